"""Course search as a form: the filters of GET /api/v1/courses and the values each may take."""

from __future__ import annotations

FILTERS = ("q", "free", "audience", "training_area", "mode", "pacing", "level", "language", "has_nzqa_credits",
           "min_nzqa_credits", "upcoming_sessions", "cursor")
CHOICES = {
    "training_area": ("executive_ai_leadership", "practitioner_ai_skills", "responsible_ai_assurance",
                      "technical_ml_engineering", "ai_te_reo_maori_contexts"),
    "audience": ("executive_tier_1", "executive_tier_2", "executive_tier_3", "practitioner", "all_staff"),
    "mode": ("online", "in_person", "blended"),
    "level": ("introductory", "intermediate", "advanced"),
    "language": ("en", "mi"),
}
