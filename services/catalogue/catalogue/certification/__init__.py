"""Assurance records of offerings as assessors find them: verified, unverified or rejected, replaced by their
supplier at any stage, and announced 30 days before a verified one expires."""
