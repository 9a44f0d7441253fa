"""What every API route shares: the Kluis dependency, the clock, the error answers and the
OpenAPI document. Authentication is ``kluis.auth.deps`` (``ActorDep``), a floor higher.

``Annotated`` aliases keep route signatures short (``KluisDep``, ``NowDep``), as in the
full-stack FastAPI template.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from kluis.db import utcnow
from kluis.runtime import Kluis


def get_kluis(request: Request) -> Kluis:
    kluis: Kluis = request.app.state.kluis
    return kluis


def get_now() -> datetime:
    return utcnow()


def _not_null(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    offered = [branch for branch in schema.pop("anyOf", []) if branch != {"type": "null"}]
    if len(offered) == 1:
        schema.update(offered[0])
    elif offered:
        schema["anyOf"] = offered


def kept(**constraints: Any) -> Any:
    """The default of a change's field (``T | None = kept()``) that may be left out, keeping its
    value, but not cleared: the schema offers ``T`` only, no ``null`` and no ``null`` default,
    since the service refuses a ``null`` there, naming the field. A schema offering what the
    code refuses breaks every client generated from it."""
    return Field(default=None, json_schema_extra=_not_null, **constraints)


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An error, as RFC 9457 ``application/problem+json``."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[FieldError] | None = None


PROBLEM = "application/problem+json"
COMPONENTS = "#/components/schemas/"


def problem_response(description: str) -> dict[str, Any]:
    """An error answer for a route's ``responses``: problem+json with the one ``Problem`` schema,
    referenced rather than inlined (``openapi_document`` puts it in the components)."""
    return {
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": f"{COMPONENTS}Problem"}}},
    }


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: problem_response("The request could not be read, or was refused for another reason."),
    401: problem_response("No API token, or an unknown or revoked one."),
    403: problem_response("The role may not do this, or may not work under this purpose."),
    404: problem_response("Not found."),
    409: problem_response("Conflicts with what is stored (a duplicate)."),
    410: problem_response("The person was erased."),
    422: problem_response(
        "A value is missing or invalid (a body that is not UTF-8 JSON too); `field` names it."
    ),
    500: problem_response("An unexpected failure."),
}
"""Error answers any API request can meet; the app declares them for every API router, so the
OpenAPI document tells clients what to expect of every route, new ones too."""


def openapi_document(generated: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every schema reachable from ``components/schemas``.

    Pydantic nests the models a schema uses under ``$defs`` and points at them with
    ``#/$defs/Name``; inside an OpenAPI document that reference resolves against the document's
    root, where there is no ``$defs`` (OpenAPI 3.1, section 4.8.24; JSON Schema 2020-12, section
    8.2.4). Every such definition is moved into the components and the references rewritten, so
    a schema written by hand for ``responses=`` cannot leave a dangling reference. ``Problem``
    (and what it uses) is added, since routes reference it without FastAPI seeing the model.
    """
    problem = Problem.model_json_schema(ref_template=COMPONENTS + "{model}")
    hoisted: dict[str, Any] = {**problem.pop("$defs", {}), "Problem": problem}

    def hoist(name: str, schema: Any, into: dict[str, Any]) -> None:
        if into.setdefault(name, schema) != schema:
            raise RuntimeError(f"two different schemas are both called {name}; rename one model")

    def visit(node: Any) -> Any:
        if isinstance(node, list):
            return [visit(item) for item in node]
        if not isinstance(node, dict):
            return node
        for name, schema in node.get("$defs", {}).items():
            hoist(name, schema, hoisted)
        return {
            key: COMPONENTS + value.removeprefix("#/$defs/")
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/")
            else visit(value)
            for key, value in node.items()
            if key != "$defs"
        }

    document: dict[str, Any] = visit(generated)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    while hoisted:
        name, schema = hoisted.popitem()
        hoist(name, visit(schema), schemas)
    return _named_by_title(document)


def _named_by_title(document: dict[str, Any]) -> dict[str, Any]:
    """Components named by their title where the title names one schema and no other component.

    A service dataclass that answers a route keeps the component name of the ``*Public`` model
    it replaced by carrying it as its title (``__pydantic_config__ = ConfigDict(title=...)``);
    pydantic names a component after the class, so the name is set here. A title two schemas
    share (two ``NoticePublic`` models of different slices) leaves pydantic's names alone."""
    schemas: dict[str, Any] = document["components"]["schemas"]
    titles = [s.get("title") for s in schemas.values() if isinstance(s, dict)]
    renamed = {
        name: schema["title"]
        for name, schema in schemas.items()
        if isinstance(schema, dict)
        and isinstance(schema.get("title"), str)
        and schema["title"] != name
        and schema["title"] not in schemas
        and titles.count(schema["title"]) == 1
    }
    if not renamed:
        return document
    refs = {COMPONENTS + old: COMPONENTS + new for old, new in renamed.items()}

    def visit(node: Any) -> Any:
        if isinstance(node, list):
            return [visit(item) for item in node]
        if not isinstance(node, dict):
            return node
        return {
            key: refs.get(value, value) if key == "$ref" else visit(value)
            for key, value in node.items()
        }

    named: dict[str, Any] = visit(document)
    named["components"]["schemas"] = {
        renamed.get(name, name): schema for name, schema in named["components"]["schemas"].items()
    }
    return named


MAX_ID = 2**31 - 1
"""Largest integer id or offset accepted: what a 32-bit integer column holds on every backend."""
MAX_SEQ = 2**63 - 1

KluisDep = Annotated[Kluis, Depends(get_kluis)]
NowDep = Annotated[datetime, Depends(get_now)]
PurposeQuery = Annotated[
    str,
    Query(
        description="The purpose of this read: the role must hold it and the person must have "
        "been collected for it (Art. 5(1)(b)); only what it may use is returned, and the read "
        "is audited under it.",
        examples=["customer_service"],
    ),
]
"""Every read of what is kept about a person names its purpose (DESIGN.md invariant 3)."""
