"""Pipelines and their stages: the default "Sales" pipeline, and an admin's edits.

The default pipeline is created with the default purposes (``kluis init``, ``kluis demo``) when
no pipeline exists yet; afterwards it is the business's own, changed by admins only (every
change audited, Art. 5(2)). A stage that holds deals keeps its kind, so a won deal cannot turn
open behind the forecast's back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from kluis.actors import MANAGE_ROLES, SYSTEM, Actor
from kluis.audit import service as audit
from kluis.audit.deal_events import PipelineChanged, PipelineCreated
from kluis.deals import repository, rules
from kluis.deals.tables import Deal
from kluis.errors import InvalidField, NotFound, PermissionDenied


@dataclass(frozen=True)
class PipelineView:
    pipeline: repository.PipelineRow
    stages: list[rules.Stage]


def may_manage(actor: Actor) -> None:
    if actor.role not in MANAGE_ROLES:
        raise PermissionDenied("only an admin may change pipelines and their stages")


def _create(
    conn: Connection,
    actor: Actor,
    key: str,
    name_en: str,
    name_nl: str,
    stages: list[rules.StageSpec],
    now: datetime,
) -> int:
    rules.check_key(key)
    if not name_en.strip() or not name_nl.strip():
        raise InvalidField("a pipeline needs an English and a Dutch name", field="name")
    rules.check_stages(stages)
    if any(p.key == key for p in repository.pipelines(conn)):
        raise InvalidField(f"there is a pipeline {key!r} already", field="key")
    pipeline_id = repository.insert_pipeline(conn, key, name_en.strip(), name_nl.strip(), now)
    for position, spec in enumerate(stages):
        repository.insert_stage(conn, pipeline_id, spec, position)
    audit.record(
        conn, actor.ref, now, [PipelineCreated(pipeline_id, key, tuple(s.key for s in stages))]
    )
    return pipeline_id


def load_default_pipeline(engine: Engine, now: datetime) -> bool:
    """Create the default "Sales" pipeline (lead, qualified, proposal, negotiation, won, lost)
    when there is no pipeline at all; True when it did."""
    with engine.begin() as conn:
        if repository.pipelines(conn):
            return False
        key, name_en, name_nl = rules.DEFAULT_PIPELINE
        _create(conn, SYSTEM, key, name_en, name_nl, list(rules.DEFAULT_STAGES), now)
    return True


def create_pipeline(
    engine: Engine,
    actor: Actor,
    key: str,
    name_en: str,
    name_nl: str,
    stages: list[rules.StageSpec],
    now: datetime,
) -> int:
    may_manage(actor)
    with engine.begin() as conn:
        return _create(conn, actor, key, name_en, name_nl, stages, now)


def list_pipelines(engine: Engine) -> list[PipelineView]:
    with engine.connect() as conn:
        every = repository.stages(conn)
        return [
            PipelineView(p, [s for s in every if s.pipeline_id == p.id])
            for p in repository.pipelines(conn)
        ]


def get_pipeline(engine: Engine, pipeline_id: int) -> PipelineView:
    with engine.connect() as conn:
        found = repository.pipeline(conn, pipeline_id)
        if found is None:
            raise NotFound(f"there is no pipeline {pipeline_id}", field="pipeline")
        return PipelineView(found, repository.stages(conn, pipeline_id))


def _used(conn: Connection, stage_id: int) -> bool:
    count = conn.execute(
        select(func.count()).select_from(Deal).where(Deal.stage_id == stage_id)
    ).scalar_one()
    return bool(count)


def change_pipeline(
    engine: Engine,
    actor: Actor,
    pipeline_id: int,
    now: datetime,
    *,
    name_en: str | None = None,
    name_nl: str | None = None,
    stages: list[tuple[int | None, rules.StageSpec]] | None = None,
) -> PipelineView:
    """Rename the pipeline and set its stages, in the order given: ``(id, spec)`` changes a
    stage, ``(None, spec)`` adds one. Stages left out stay, after the ones given; a stage that
    holds deals keeps its kind."""
    may_manage(actor)
    with engine.begin() as conn:
        found = repository.pipeline(conn, pipeline_id)
        if found is None:
            raise NotFound(f"there is no pipeline {pipeline_id}", field="pipeline")
        changed: list[str] = []
        names = {"name_en": name_en, "name_nl": name_nl}
        values = {n: v.strip() for n, v in names.items() if v is not None}
        if any(not v for v in values.values()):
            raise InvalidField("a pipeline needs an English and a Dutch name", field="name")
        values = {n: v for n, v in values.items() if getattr(found, n) != v}
        if values:
            repository.update_pipeline(conn, pipeline_id, values)
            changed.extend(values)
        if stages is not None:
            changed.extend(_set_stages(conn, pipeline_id, stages))
        if changed:
            audit.record(conn, actor.ref, now, [PipelineChanged(pipeline_id, tuple(changed))])
        return PipelineView(
            repository.pipeline(conn, pipeline_id) or found, repository.stages(conn, pipeline_id)
        )


def _set_stages(
    conn: Connection, pipeline_id: int, wanted: list[tuple[int | None, rules.StageSpec]]
) -> list[str]:
    current = {s.id: s for s in repository.stages(conn, pipeline_id)}
    given = [i for i, _ in wanted if i is not None]
    unknown = [i for i in given if i not in current]
    if unknown:
        raise NotFound(f"stage {unknown[0]} is not a stage of this pipeline", field="stage")
    kept = [current[i] for i in current if i not in given]
    specs = [spec for _, spec in wanted] + [
        rules.StageSpec(s.key, s.name_en, s.name_nl, s.probability, s.kind) for s in kept
    ]
    rules.check_stages(specs)
    changed: list[str] = []
    order = [*wanted, *((s.id, specs[len(wanted) + n]) for n, s in enumerate(kept))]
    for position, (stage_id, spec) in enumerate(order):
        if stage_id is None:
            repository.insert_stage(conn, pipeline_id, spec, position)
            changed.append(f"stage:{spec.key}:added")
            continue
        old = current[stage_id]
        if old.kind is not spec.kind and _used(conn, stage_id):
            raise InvalidField(
                f"stage {old.key!r} holds deals, so it stays {old.kind.value}", field="kind"
            )
        values = {
            "key": spec.key,
            "name_en": spec.name_en,
            "name_nl": spec.name_nl,
            "probability": spec.probability,
            "kind": spec.kind.value,
            "position": position,
        }
        before = replace(old)
        differs = {
            n: v
            for n, v in values.items()
            if (getattr(before, n).value if n == "kind" else getattr(before, n)) != v
        }
        if differs:
            repository.update_stage(conn, stage_id, differs)
            changed.extend(f"stage:{old.key}:{n}" for n in differs)
    return changed
