"""The knowledge base: competitor analyses, FAQs, proposals, sales techniques.

Search matches every word of the query in the title or body (substring matching, so Chinese needs no
word segmentation) and ranks title hits first. `crm knowledge search 净水 售后`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import case, literal, or_, select

from crm_core.contract import Context, NotFound, PermissionDenied, ValidationError, trash
from crm_customer_resources.models import ARTICLE_CATEGORIES, Article


def add(
    ctx: Context, title: str, category: str, body: str, attachments: list[str] | None = None
) -> Article:
    if category not in ARTICLE_CATEGORIES:
        raise ValidationError(f"category must be one of {', '.join(ARTICLE_CATEGORIES)}")
    if not title.strip() or not body.strip():
        raise ValidationError("an article needs a title and a body")
    paths = _attachments(attachments or [])
    article = Article(
        title=title.strip(), category=category, body=body, attachments=paths, author_id=ctx.actor.id
    )
    ctx.session.add(article)
    ctx.session.flush()
    return article


def _attachments(items: list[str]) -> list[str]:
    paths = []
    for item in items:
        path = Path(item).expanduser()
        if not path.is_file():
            raise ValidationError(f"attachment {item} does not exist")
        paths.append(str(path.resolve()))
    return paths


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


def _mine_to_change(ctx: Context, article_id: int) -> Article:
    """The article, if the actor may change it: its author, a manager or an admin."""
    article = get(ctx, article_id)
    if not (ctx.actor.is_admin or ctx.actor.role == "manager" or article.author_id == ctx.actor.id):
        raise PermissionDenied(f"{ctx.actor.login} may not change article {article_id}")
    return article


def update(ctx: Context, article_id: int, values: Mapping[str, Any]) -> Article:
    """Correct an article's title, category, body or attachments; each field is audited."""
    article = _mine_to_change(ctx, article_id)
    for field, value in values.items():
        if field == "category":
            if value not in ARTICLE_CATEGORIES:
                raise ValidationError(f"category must be one of {', '.join(ARTICLE_CATEGORIES)}")
            article.category = value
        elif field in ("title", "body"):
            if not str(value).strip():
                raise ValidationError("an article needs a title and a body")
            setattr(article, field, str(value).strip() if field == "title" else value)
        elif field == "attachments":
            article.attachments = _attachments(list(value))
        else:
            raise ValidationError(f"unknown article field {field!r}")
    article.updated_at = ctx.now()
    ctx.session.flush()
    ctx.hook.crm_records_changed(
        ctx=ctx, entity="knowledge", ids=[article.id], how="updated", customer_ids=[]
    )
    return article


def delete(ctx: Context, article_id: int) -> trash.Discarded:
    """Put an article in the recycle bin."""
    trash.require_deleter(ctx)
    article = _mine_to_change(ctx, article_id)
    return trash.discard(ctx, "knowledge", article, article.title)
