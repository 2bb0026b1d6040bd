"""What a caller asks the assistant, and what it answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from servicekit.models import StrictModel

FilterKind = Literal["category", "data_residency", "te_reo_maori_support", "risk_tier", "price", "certification",
                     "engagement_type", "supplier_size", "maori_business"]
QUESTION_CHARS = 500
Limit = Annotated[int, Field(ge=1, le=50, description="Results at most")]
QuestionText = Annotated[str, Field(min_length=1, max_length=QUESTION_CHARS,
                                    description="A sentence in the buyer's words, e.g. \"a chatbot hosted in New "
                                                "Zealand that speaks te reo Māori, low risk, under $50,000\"")]


class Question(StrictModel):
    q: QuestionText
    ignore: list[FilterKind] = Field(default=[], max_length=9,
                                     description="Filters read from q to set aside: their words are searched instead")
    limit: Limit = 10


class Without(BaseModel):
    """The same question with this filter set aside: a link (GET) and the body for POST."""

    href: str
    ignore: list[FilterKind]


class UnderstoodFilter(BaseModel):
    kind: FilterKind
    value: Any = Field(description="Category, engagement type and residency codes, risk tiers, certification "
                                   "standards, supplier sizes: a list (any of them); price: {min, max} in NZD "
                                   "excluding GST (null: no bound); te reo Māori support, Māori business: true")
    label: str
    phrase: str = Field(description="The words of the question the filter was read from")
    read_by: Literal["rule", "meaning"] = Field(
        description="rule: a pattern of words; meaning: the phrase's sentence embedding was close to the category's name")
    similarity: float | None = Field(default=None, description="Cosine similarity, for filters read by meaning")
    without: Without


class Passage(BaseModel):
    field: str = Field(description="Which text of the record it is from: name, summary, description, ...")
    text: str


class Result(BaseModel):
    kind: Literal["offering", "course", "use_case"]
    id: str
    name: str
    link: str = Field(description="The record in the public API")
    score: float
    passage: Passage = Field(description="The record's own text that matched best")


class LeftOut(BaseModel):
    kind: Literal["offering", "course", "use_case"]
    filters: list[FilterKind] = Field(description="Understood filters this kind of record has nothing to check against")


class Answer(BaseModel):
    q: str
    notice: str
    filters: list[UnderstoodFilter]
    ignored: list[FilterKind]
    words: list[str] = Field(description="The words of q left to search by (no filter took them)")
    total: int
    counts: dict[str, int] = Field(description="Results of each kind, before the limit")
    left_out: list[LeftOut]
    results: list[Result]
