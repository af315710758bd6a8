"""The benchmark report's judgement: a round in which a system fell behind says
nothing about CPU per edit, and the report says which rounds it left out; errors
that the run itself causes in Postgres's log are not problems."""

from __future__ import annotations

from bench.common import Json
from bench.peer_systems import compare_rounds
from bench.report import _problems, compute_targets, correctness_problems


def typing_round(label: str, p50_ms: float, us_per_edit: float) -> Json:
    return {
        "label": label,
        "accepted_per_s": 1000.0,
        "edit_to_peer_ms": {"p50": p50_ms, "p99": p50_ms * 4},
        "cpu": {"server_us_per_edit": us_per_edit},
        "problems": {"errors": [], "unsettled": 0, "diverged_rooms": 0},
    }


PAIRPAD = [typing_round(f"Pairpad round {n}", 3.0, 460.0) for n in (1, 2, 3)]
# ShareDB fell behind in rounds 1 and 2, spending more per edit on its backlog.
SHAREDB = [
    typing_round("ShareDB round 1", 332.0, 520.0),
    typing_round("ShareDB round 2", 296.0, 500.0),
    typing_round("ShareDB round 3", 3.0, 370.0),
]


def test_cpu_per_edit_compares_only_the_rounds_in_which_both_kept_up() -> None:
    compared = compare_rounds(PAIRPAD, SHAREDB)

    assert compared["rounds_both_kept_up"] == [3]
    assert compared["typing_server_cpu_per_edit_ratio"]["median"] == round(460 / 370, 3)
    # All rounds stay on record, and the latency ratios keep every round: falling
    # behind is what the users of that round saw.
    assert compared["typing_server_cpu_per_edit_ratio_all_rounds"]["median"] == round(460 / 500, 3)
    assert len(compared["typing_p99_ratio"]["rounds"]) == 3


def test_without_a_round_in_which_both_kept_up_every_round_counts() -> None:
    compared = compare_rounds(PAIRPAD[:2], SHAREDB[:2])

    assert compared["rounds_both_kept_up"] == []
    assert compared["typing_server_cpu_per_edit_ratio"]["rounds"] == [
        round(460 / 520, 3),
        round(460 / 500, 3),
    ]


def test_the_report_names_the_rounds_left_out_and_how_many_counted() -> None:
    results: Json = {
        "peers": {
            "rounds": 3,
            "pairpad": {"typing_rounds": PAIRPAD},
            "systems": {
                "ShareDB 7.0.0": {"typing_rounds": SHAREDB, **compare_rounds(PAIRPAD, SHAREDB)}
            },
        }
    }

    target = next(t for t in compute_targets(results) if "CPU per edit" in t["name"])
    assert "1 of 3 rounds in which both kept up" in target["name"]
    assert target["measured"] == round(460 / 370, 3)
    assert target["met"] is False
    left_out = [p for p in _problems(results) if "fell behind" in p]
    assert left_out == [
        "ShareDB round 1: fell behind (edit-to-peer p50 332 ms): left out of the CPU per "
        "edit comparison",
        "ShareDB round 2: fell behind (edit-to-peer p50 296 ms): left out of the CPU per "
        "edit comparison",
    ]
    # A busy machine's doing, not a failure of the run (`--fail-on-problems`).
    assert correctness_problems(results) == []


def test_postgres_errors_of_the_runs_own_making_are_not_problems() -> None:
    results: Json = {
        "logs": {
            "servers": {},
            "postgres": {
                "FATAL: terminating autovacuum process due to administrator command": 1,
                'ERROR: duplicate key value violates unique constraint "updates_pkey"': 3,
                "FATAL: the database system is in recovery mode": 1,
            },
        }
    }

    assert _problems(results, with_noise=False) == [
        "postgres log: 1 x FATAL: the database system is in recovery mode"
    ]
