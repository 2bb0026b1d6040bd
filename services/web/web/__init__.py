"""The web service: server-rendered pages for buyers and the public, a client of the gateway's API."""
