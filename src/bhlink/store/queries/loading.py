"""Eager loading of one-to-many collections: one query per collection, prepared once.

Does what `selectinload` does (an `IN` query per relationship for a whole page of parents, the
collections then marked loaded), but builds each child statement once per process: profiling
a page of 50 patients showed selectinload spending about 2 ms per request rebuilding and
cache-keying its statements, more than the queries themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import InstrumentedAttribute, RelationshipProperty, Session
from sqlalchemy.orm.attributes import set_committed_value

_PREPARED: dict[Any, tuple[Select[Any], str, str]] = {}


def _prepared(attribute: InstrumentedAttribute[Any]) -> tuple[Select[Any], str, str]:
    """(statement, parent key attribute, child foreign-key attribute) for a relationship."""
    found = _PREPARED.get(attribute)
    if found is not None:
        return found
    relationship = attribute.property
    assert isinstance(relationship, RelationshipProperty)
    ((parent_column, child_column),) = relationship.local_remote_pairs or ()
    child = relationship.mapper
    child_key = child.get_property_by_column(child_column).key
    parent_key = relationship.parent.get_property_by_column(parent_column).key
    statement = select(child).where(child_column.in_(bindparam("keys", expanding=True)))
    order = relationship.order_by
    if order:
        statement = statement.order_by(*order)
    found = (statement, parent_key, child_key)
    _PREPARED[attribute] = found
    return found


def load_collections(
    session: Session, parents: Sequence[Any], *attributes: InstrumentedAttribute[Any]
) -> None:
    """Fill each of `attributes` (one-to-many relationships) on every parent, as loaded."""
    if not parents:
        return
    for attribute in attributes:
        statement, parent_key, child_key = _prepared(attribute)
        keys = [getattr(parent, parent_key) for parent in parents]
        grouped: dict[Any, list[Any]] = {key: [] for key in keys}
        for child in session.scalars(statement, {"keys": keys}):
            grouped[getattr(child, child_key)].append(child)
        for parent, key in zip(parents, keys, strict=True):
            set_committed_value(parent, attribute.key, grouped[key])
