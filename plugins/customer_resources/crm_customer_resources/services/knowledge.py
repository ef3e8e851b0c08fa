"""The knowledge base: competitor analyses, FAQs, proposals, sales techniques.

Search matches every word of the query in the title or body (substring matching, so Chinese needs no
word segmentation) and ranks title hits first. `crm knowledge search 净水 售后`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import case, literal, or_, select

from crm_core.contract import Context, NotFound, ValidationError
from crm_customer_resources.models import ARTICLE_CATEGORIES, Article


def add(
    ctx: Context, title: str, category: str, body: str, attachments: list[str] | None = None
) -> Article:
    if category not in ARTICLE_CATEGORIES:
        raise ValidationError(f"category must be one of {', '.join(ARTICLE_CATEGORIES)}")
    if not title.strip() or not body.strip():
        raise ValidationError("an article needs a title and a body")
    paths = []
    for item in attachments or []:
        path = Path(item).expanduser()
        if not path.is_file():
            raise ValidationError(f"attachment {item} does not exist")
        paths.append(str(path.resolve()))
    article = Article(
        title=title.strip(), category=category, body=body, attachments=paths, author_id=ctx.actor.id
    )
    ctx.session.add(article)
    ctx.session.flush()
    return article


def search(
    ctx: Context, text: str, *, category: str | None = None, limit: int = 20
) -> list[Article]:
    words = [w for w in text.split() if w]
    if not words:
        raise ValidationError("search for at least one word")
    query = select(Article)
    score: Any = literal(0)
    for word in words:
        query = query.where(
            or_(
                Article.title.contains(word, autoescape=True),
                Article.body.contains(word, autoescape=True),
            )
        )
        score = score + case((Article.title.contains(word, autoescape=True), 2), else_=1)
    if category is not None:
        query = query.where(Article.category == category)
    return list(
        ctx.session.scalars(query.order_by(score.desc(), Article.updated_at.desc()).limit(limit))
    )


def get(ctx: Context, article_id: int) -> Article:
    article = ctx.session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    return article
