"""latest.json, latest.md and the latency plots, from the scenarios' results."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.common import Json, dump_json, percentile, ratio
from bench.peer_systems import kept_up

Results = dict[str, Any]


def write(
    out_dir: Path,
    meta: Json,
    results: Results,
    samples: dict[str, list[float]],
    timelines: dict[str, list[tuple[float, float]]] | None = None,
) -> None:
    targets = compute_targets(results)
    plots = plot(out_dir, results, samples, timelines or {})
    dump_json(
        out_dir / "latest.json",
        {"meta": meta, "targets": targets, "results": results, "plots": plots},
    )
    (out_dir / "latest.md").write_text(markdown(meta, results, targets, plots), encoding="utf-8")


# Targets.


def _target(name: str, measured: float | None, goal: str, met: bool | None, **extra: Any) -> Json:
    return {"name": name, "measured": measured, "goal": goal, "met": bool(met), **extra}


def compute_targets(results: Results) -> list[Json]:
    targets: list[Json] = []
    sat = results.get("saturation")
    if sat is not None and sat.get("batched_ceiling_rows_per_s"):
        r = sat.get("ratio_to_batched_ceiling")
        targets.append(
            _target(
                "saturation throughput / batched ceiling (Postgres alone, the writer's batches)",
                r,
                ">= 0.5",
                r is not None and r >= 0.5,
                pairpad_edits_per_s=sat["accepted_per_s"],
                batched_ceiling_rows_per_s=sat["batched_ceiling_rows_per_s"],
                one_row_ceiling_commits_per_s=sat.get("ceiling_commits_per_s"),
                commit_batches=sat.get("commit_batches"),
            )
        )
    typing = results.get("typing") or []
    ceilings = {
        c["rooms"]: c
        for c in results.get("ceiling") or []
        if c["mode"] in ("typing", "typing_batched")
    }
    at = [t for t in typing if t.get("rounds")] or [t for t in typing if t["rooms"] == 100]
    for t in at or typing[-1:]:
        c = ceilings.get(t["rooms"])
        gap = t.get("p50_minus_ceiling_ms") or {}
        if gap.get("median") is not None:
            targets.append(
                _target(
                    f"typing R={t['rooms']}: edit-to-peer p50 minus the group-commit ceiling's "
                    f"p50, ms (median of {len(gap['rounds'])} rounds)",
                    gap["median"],
                    "<= 0.4",
                    gap["median"] <= 0.4,
                    spread=[gap["min"], gap["max"]],
                    rounds=t.get("rounds"),
                )
            )
        by_rounds = t.get("p99_ratio_to_ceiling") or {}
        if by_rounds.get("median") is not None:
            r = by_rounds["median"]
            extra: Json = {"spread": [by_rounds["min"], by_rounds["max"]]}
        else:
            base = c["notify_cross_ms"]["p99"] if c else None
            r = ratio(t["edit_to_peer_ms"]["p99"], base)
            extra = {"pairpad_p99_ms": t["edit_to_peer_ms"]["p99"], "ceiling_p99_ms": base}
        targets.append(
            _target(
                f"typing R={t['rooms']}: edit-to-peer p99 / ceiling send-to-notification p99"
                + (" (group-commit ceiling, median of rounds)" if t.get("rounds") else ""),
                r,
                "<= 2.0",
                r is not None and r <= 2.0,
                **extra,
            )
        )
    big = results.get("big_doc")
    if big is not None:
        r = big.get("p50_ratio")
        targets.append(
            _target(
                "1 MiB document: edit-to-peer p50 / 1 KB document's",
                r,
                "<= 1.2",
                r is not None and r <= 1.2,
            )
        )
    sockets = results.get("sockets")
    if sockets is not None and "idle" in sockets:
        kb = sockets["idle"]["kb_per_socket"]
        targets.append(
            _target(
                f"memory per idle socket ({sockets['idle']['sockets']} sockets), KB",
                kb,
                "< 50",
                kb < 50,
            )
        )
    targets += _big_room_targets((sockets or {}).get("big_room"))
    peers = results.get("peers")
    if peers is not None:
        for name, peer in (peers.get("systems") or {}).items():
            rounds = peers.get("rounds")
            for key, what, goal in (
                ("typing_server_cpu_per_edit_ratio", "server CPU per edit", 1.0),
                ("typing_p99_ratio", "typing edit-to-peer p99", 1.0),
            ):
                if key == "typing_server_cpu_per_edit_ratio" and not name.startswith("ShareDB"):
                    continue  # the goal is ShareDB's; Hocuspocus's is shown, not a target
                value = peer.get(key) or {}
                r = value.get("median")
                of_rounds = f"median of {rounds} rounds"
                if key == "typing_server_cpu_per_edit_ratio":
                    compared = len(peer.get("rounds_both_kept_up") or [])
                    if compared and compared != rounds:
                        of_rounds = (
                            f"median of the {compared} of {rounds} rounds in which both kept up"
                        )
                targets.append(
                    _target(
                        f"{what}: Pairpad / {name} ({of_rounds})",
                        r,
                        f"<= {goal}",
                        r is not None and r <= goal,
                        spread=[value.get("min"), value.get("max")],
                        durable_pairpad=True,
                        durable_peer=peer.get("durable"),
                    )
                )
        if peers.get("missing"):
            targets.append(
                _target(
                    "peers benchmarked",
                    None,
                    "ShareDB and Hocuspocus",
                    False,
                    missing=peers["missing"],
                )
            )
    if results.get("history") is not None:
        from bench import history_seek

        targets += history_seek.targets(results["history"])
    stall = results.get("disk_stall")
    if stall is not None and stall.get("systems"):
        systems = stall["systems"]
        figures = {
            name: {"p99_ms": run["edit_to_peer_ms"]["p99"], "max_ms": run["edit_to_peer_ms"]["max"]}
            for name, run in systems.items()
        }
        r = stall.get("p99_ratio")
        targets.append(
            _target(
                "typing during disk stalls (bulk write + CHECKPOINT): p99 Pairpad / ShareDB",
                r,
                "<= 1.0",
                r is not None and r <= 1.0,
                by_system=figures,
            )
        )
    return targets


def _big_room_targets(big: Json | None) -> list[Json]:
    """Scenario 6's big room: 2 editors and many viewers on two processes."""
    if not big:
        return []
    n = f"{big['viewers']:,}"
    join = big.get("join_seconds")
    frames = (big.get("frames_per_viewer") or {}).get("max")
    fan = (big.get("fanout_to_all_ms") or {}).get("p50")
    r = big.get("editors_p99_ratio")
    return [
        _target(f"big room: {n} viewers all joined, s", join, "< 3", join is not None and join < 3),
        _target(
            f"big room: frames per viewer for the whole join ({n} viewers), max",
            frames,
            "<= 3",
            frames is not None and frames <= 3,
            mean=(big.get("frames_per_viewer") or {}).get("mean"),
        ),
        _target(
            f"big room: one update to all {n} viewers, p50 ms",
            fan,
            "< 15",
            fan is not None and fan < 15,
            p99_ms=(big.get("fanout_to_all_ms") or {}).get("p99"),
        ),
        _target(
            f"big room: editors' edit-to-peer p99 with {n} viewers / with none",
            r,
            "<= 1.5",
            r is not None and r <= 1.5,
            kb_per_viewer=big.get("kb_per_viewer"),
        ),
    ]


# Markdown.


def _ms(block: Json | None, *keys: str) -> str:
    if not block or not block.get("n"):
        return "-"
    return " / ".join(_num(block.get(k)) for k in keys)


def _num(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _cpu(cpu: Json | None) -> str:
    if not cpu or cpu.get("servers_cores") is None:
        return "-"
    return f"{_num(cpu['servers_cores'], 2)} · {_num(cpu.get('server_us_per_edit'))} µs"


def _pg(cpu: Json | None) -> str:
    return "-" if not cpu else _num(cpu.get("postgres_cores"), 2)


def _speed_probe_lines(meta: Json) -> list[str]:
    probes: dict[str, float] = meta.get("speed_probe_us") or {}
    if not probes:
        return []
    fastest = min(probes.values())
    return [
        "Machine speed (bench/common.py: cpu_speed_probe, µs for a fixed Python loop; "
        "the host is shared, and a figure well above the lowest marks a slow stretch), "
        "before each scenario and at the end: "
        + " · ".join(f"{name} {value:,.0f}" for name, value in probes.items())
        + f" (slowest / fastest {max(probes.values()) / fastest:.2f})",
        "",
    ]


def markdown(meta: Json, results: Results, targets: list[Json], plots: list[str]) -> str:
    lines = [
        "# Pairpad benchmark",
        "",
        f"{meta['date']} · {'quick smoke run · ' if meta['quick'] else ''}"
        f"{meta['cpus']} cores, {meta['memory_gb']} GB · Python {meta['python']} · "
        f"Postgres {meta['postgres']} ({meta['postgres_kind']}) · 2 server processes, "
        f"1 worker each · wall time {meta['wall_seconds']:.0f} s · service at "
        f"{_git(meta)}",
        "",
        "Latencies in ms (p50 / p95 / p99 / max). Edit-to-peer: author sends the push that "
        "is accepted → the other client, on the other server process, receives the update. "
        "Ceiling: the same INSERT (and its trigger's NOTIFY) from bare asyncpg writers; its "
        "latency is send → the other simulated process's LISTEN connection hears it. "
        "Server CPU: both server processes, in cores, and CPU µs per accepted edit. "
        '"Other" is CPU the machine spent outside the benchmark\'s processes (it is shared).',
        "",
        *_speed_probe_lines(meta),
        "| # | Scenario | Edits/s (offered) | Edit→peer p50 / p95 / p99 / max | "
        "Confirm p50 / p99 | Conflicts | Server CPU · per edit | Postgres CPU | "
        "Other CPU | vs ceiling |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    ceilings = results.get("ceiling") or []
    ceiling_by_rooms = {
        c["rooms"]: c for c in ceilings if c["mode"] in ("typing", "typing_batched")
    }
    for c in ceilings:
        offered = f" ({c['offered_per_s']:,})" if c.get("offered_per_s") else ""
        lines.append(
            f"| 1 | ceiling, no app: {c['label']} ({c['writers']} writers, "
            f"{c['pool_connections']} connections) | {_num(c['commits_per_s'])}{offered} | "
            f"{_ms(c['notify_cross_ms'], 'p50', 'p95', 'p99', 'max')} | "
            f"{_ms(c['notify_own_ms'], 'p50', 'p99')} (own listener) | - | - | "
            f"{_pg(c['cpu'])} | {_num(c['cpu'].get('other_cores'), 2)} | 1 |"
        )

    def row(num: str, t: Json, vs: str) -> None:
        offered = f" ({t['offered_per_s']:,})" if t.get("offered_per_s") else ""
        lines.append(
            f"| {num} | {t['label']} ({t['clients']} clients) | "
            f"{_num(t['accepted_per_s'])}{offered} | "
            f"{_ms(t['edit_to_peer_ms'], 'p50', 'p95', 'p99', 'max')} | "
            f"{_ms(t['confirm_ms'], 'p50', 'p99')} | {_pct(t.get('conflict_rate'))} | "
            f"{_cpu(t['cpu'])} | {_pg(t['cpu'])} | {_num(t['cpu'].get('other_cores'), 2)} | "
            f"{vs} |"
        )

    for t in results.get("typing") or []:
        c = ceiling_by_rooms.get(t["rooms"])
        vs = "-"
        if c:
            peer, base = t["edit_to_peer_ms"], c["notify_cross_ms"]
            vs = (
                f"p99 x{_num(ratio(peer['p99'], base['p99']), 2)}, "
                f"p50 x{_num(ratio(peer['p50'], base['p50']), 2)}"
            )
        row("2", t, vs)
    sat = results.get("saturation")
    if sat:
        row(
            "3",
            sat,
            f"throughput x{_num(sat.get('ratio_to_batched_ceiling'), 2)} of the batched "
            f"ceiling, x{_num(sat.get('ratio_to_ceiling'), 2)} of one row a commit",
        )
    hot = results.get("hot_room")
    if hot:
        fair = hot.get("fairness") or {}
        row("4", hot, f"fairness (Jain) {_num(fair.get('jain_index'), 3)}")
    big = results.get("big_doc")
    if big:
        for t in big["runs"]:
            vs = (
                "-"
                if t["document_bytes"] < 1024 * 1024 // 2
                else (f"p50 x{_num(big.get('p50_ratio'), 2)} of 1 KB")
            )
            row("5", t, vs)

    notes = []
    for t in results.get("typing") or []:
        gap = t.get("p50_minus_ceiling_ms")
        if gap:
            gaps = ", ".join(_num(x, 2) for x in gap["rounds"])
            p99s = (t.get("p99_ratio_to_ceiling") or {}).get("rounds", [])
            notes.append(
                f"{t['label']}: {len(gap['rounds'])} rounds of ceiling then app; the row is "
                f"the middle round. p50 minus the ceiling's p50, by round: {gaps} ms "
                f"(median {_num(gap['median'], 2)}); p99 / ceiling p99 by round: "
                f"{', '.join(_num(x, 2) for x in p99s)}"
            )
    for t in [*(results.get("typing") or []), *([sat] if sat else [])]:
        batches = t.get("commit_batches") or {}
        if batches.get("transactions"):
            notes.append(
                f"{t['label']}: group commit stored {batches['rows']:,} rows in "
                f"{batches['transactions']:,} transactions (mean {_num(batches['mean'], 2)} rows, "
                f"the median edit in a batch of {batches['row_weighted_median']}, largest "
                f"{batches['max']}; by size {batches['histogram']})"
            )
    for t in results.get("typing") or []:
        notes.append(
            f"{t['label']}: keystroke→peer (adds waiting behind the push in flight and "
            f"conflict retries) p50 / p99 / max "
            f"{_ms(t.get('keystroke_to_peer_ms'), 'p50', 'p99', 'max')} ms; "
            f"largest push {t.get('max_batch')} keystrokes"
        )
    if hot and hot.get("fairness"):
        fair = hot["fairness"]
        shares = fair.get("shares") or [0.0]
        p99s = fair.get("keystroke_to_peer_p99_ms_by_client") or [0.0]
        notes.append(
            f"{hot['label']}: each client's share of accepted edits "
            f"{_pct(min(shares))} to {_pct(max(shares))} (equal would be "
            f"{_pct(1 / len(shares))}); per-client keystroke→peer p99 "
            f"{_num(min(p99s))} to {_num(max(p99s))} ms"
        )
    if notes:
        lines += ["", *[f"- {n}" for n in notes]]

    sockets = results.get("sockets")
    if sockets:
        idle = sockets.get("idle") or {}
        fan = sockets.get("fanout") or {}
        lines += [
            "",
            "| # | Many sockets, one process | Value |",
            "|---|---|---|",
            f"| 6 | idle sockets / rooms | {idle.get('opened', 0):,} / {idle.get('rooms', 0):,} |",
            f"| 6 | resident memory per idle socket | {_num(idle.get('kb_per_socket'))} KB "
            f"(RSS {_num(idle.get('rss_before_mb'))} → {_num(idle.get('rss_after_mb'))} MB) |",
            f"| 6 | time to open them and settle | "
            f"{_num(idle.get('connect_and_settle_seconds'))} s |",
            f"| 6 | server CPU while they idle ({_num(idle.get('idle_window_seconds'))} s window, "
            f"presence heartbeats) | {_num(idle.get('idle_server_cores'), 3)} cores |",
            f"| 6 | ... of which presence heartbeat frames, and server CPU per frame | "
            f"{idle.get('frames_while_idle', 0):,} frames, "
            f"{_num(idle.get('heartbeat_us_per_frame'))} µs |",
            f"| 6 | projected heartbeat cost of one 1,000-socket room (999,000 frames "
            f"per 10 s) | {_num(idle.get('heartbeat_cpu_s_per_period_1000_room'))} CPU-s "
            f"per 10 s |",
            f"| 6 | one update to {fan.get('sockets', 0):,} sockets in one room (heartbeat "
            f"off): to all, p50 / max over {fan.get('updates', 0)} updates | "
            f"{_ms(fan.get('to_all_ms'), 'p50', 'max')} ms |",
            f"| 6 | … to half of them, p50 | {_ms(fan.get('to_half_ms'), 'p50')} ms |",
            f"| 6 | joining {fan.get('sockets', 0):,} sockets to one room | "
            f"{_num(fan.get('join_seconds'))} s, {fan.get('presence_frames_during_join', 0):,} "
            f"presence frames |",
            f"| 6 | sockets closed by the server | "
            f"{idle.get('closed_by_server', 0) + fan.get('closed_by_server', 0)} |",
        ]
        big = sockets.get("big_room")
        if big:
            frames = big.get("frames_per_viewer") or {}
            eds = big.get("editors_edit_to_peer_ms") or {}
            lines += [
                "",
                f"| # | Big room: 2 editors, {big['viewers']:,} viewers, two processes | Value |",
                "|---|---|---|",
                f"| 6 | all viewers joined (last hello) | {_num(big.get('join_seconds'), 2)} s |",
                f"| 6 | frames per viewer for the whole join, mean / p99 / max | "
                f"{_num(frames.get('mean'), 2)} / {_num(frames.get('p99'))} / "
                f"{_num(frames.get('max'))} |",
                f"| 6 | one update to all viewers, p50 / p99 / max | "
                f"{_ms(big.get('fanout_to_all_ms'), 'p50', 'p99', 'max')} ms |",
                f"| 6 | editors' edit-to-peer p50 / p99, no viewers | "
                f"{_ms(eds.get('no_viewers'), 'p50', 'p99')} ms |",
                f"| 6 | ... with the viewers (p99 ratio {_num(big.get('editors_p99_ratio'), 2)}) | "
                f"{_ms(eds.get('with_viewers'), 'p50', 'p99')} ms |",
                f"| 6 | server memory per viewer socket | {_num(big.get('kb_per_viewer'))} KB |",
            ]
        cost = sockets.get("send_cost")
        if cost:
            per = cost.get("us_per_socket") or {}
            lines += [
                "",
                f"Server CPU per socket to send one {cost.get('message_bytes')}-byte message to "
                f"{cost.get('sockets', 0):,} sockets ({cost.get('ws_protocol')}), by layer "
                "(bench/send_cost.py):",
                "",
                "| path | µs per socket |",
                "|---|---|",
                *[f"| {name} | {_num(us, 2)} |" for name, us in per.items()],
            ]

    peers = results.get("peers")
    if peers:
        lines += [
            "",
            "Scenario 7: every system driven by the same Node load generator "
            "(bench/peers/loadgen.mjs) through its own client library; latency is "
            "local edit → the peer has applied it (for Pairpad that includes waiting behind "
            "the client's push in flight and conflict retries). Ratios are Pairpad / peer.",
            "",
            "| # | System | Typing edits/s (offered) | Typing edit→peer p50 / p95 / p99 / max | "
            "Hot room edit→peer p50 / p99 | Server CPU · per edit (typing) | Durable per edit | "
            "Pairpad ratio: typing p50 / p99, hot p99, CPU per edit |",
            "|---|---|---|---|---|---|---|---|",
        ]
        rows: list[tuple[str, Json]] = []
        if peers.get("pairpad"):
            rows.append(("Pairpad (2 processes)", peers["pairpad"]))
        if peers.get("pairpad_one_process"):
            rows.append(("Pairpad (1 process)", peers["pairpad_one_process"]))
        rows += list((peers.get("systems") or {}).items())

        def med(p: Json, key: str) -> str:
            value = p.get(key) or {}
            return (
                f"x{_num(value.get('median'), 2)} "
                f"({_num(value.get('min'), 2)}-{_num(value.get('max'), 2)})"
            )

        for name, p in rows:
            typing = p.get("typing") or {}
            hot = p.get("hot_room") or {}
            ratios = (
                "-"
                if "typing_p99_ratio" not in p
                else (
                    f"{med(p, 'typing_p50_ratio')} / {med(p, 'typing_p99_ratio')}, "
                    f"x{_num(p.get('hot_p99_ratio'), 2)}, "
                    f"{med(p, 'typing_server_cpu_per_edit_ratio')}"
                )
            )
            offered = f" ({typing['offered_per_s']:,})" if typing.get("offered_per_s") else ""
            lines.append(
                f"| 7 | {name} | {_num(typing.get('accepted_per_s'))}{offered} | "
                f"{_ms(typing.get('edit_to_peer_ms'), 'p50', 'p95', 'p99', 'max')} | "
                f"{_ms(hot.get('edit_to_peer_ms'), 'p50', 'p99')} | {_cpu(typing.get('cpu'))} | "
                f"{p.get('durable', '-')} | {ratios} |"
            )
        lines += [
            "",
            f"Typing rows are medians of {peers.get('rounds')} interleaved rounds (Pairpad, "
            "ShareDB, Hocuspocus, in turn); each ratio is the median of the rounds' ratios, "
            "with the smallest and largest in brackets. Hot rooms ran once.",
        ]
        if peers.get("missing"):
            lines += ["", f"Peers not measured: {peers['missing']}"]

    if results.get("history") is not None:
        from bench import history_seek

        lines += history_seek.markdown(results["history"])
    stall = results.get("disk_stall")
    if stall and stall.get("systems"):
        lines += [
            "",
            f"Scenario 8: typing at R=100 while another database of the cluster takes bulk "
            f"writes of {stall['bulk_mb']} MiB, each followed by a CHECKPOINT, for the whole "
            "window; both systems commit every edit before anyone sees it.",
            "",
            "| # | System | Edits/s | Edit→peer p50 / p95 / p99 / max | Bulk writes · "
            "CHECKPOINT seconds during the window |",
            "|---|---|---|---|---|",
        ]
        for name, run in stall["systems"].items():
            during = run.get("during") or {}
            lines.append(
                f"| 8 | {name} | {_num(run.get('accepted_per_s'))} | "
                f"{_ms(run.get('edit_to_peer_ms'), 'p50', 'p95', 'p99', 'max')} | "
                f"{len(during.get('bulk_seconds') or [])} · "
                f"{', '.join(_num(x, 2) for x in during.get('checkpoint_seconds') or [])} |"
            )
        settings = stall.get("postgres_settings") or {}
        lines += [
            "",
            "Postgres settings in force: "
            + ", ".join(f"{k}={v}" for k, v in sorted(settings.items())),
        ]

    lines += ["", "## Targets", "", "| Target | Measured | Goal | Met |", "|---|---|---|---|"]
    for t in targets:
        lines.append(
            f"| {t['name']} | {_num(t['measured'], 2)} | {t['goal']} | "
            f"{'yes' if t['met'] else '**no**'} |"
        )
    problems = _problems(results)
    if problems:
        lines += ["", "## Problems seen", ""] + [f"- {p}" for p in problems]
    if meta.get("failures"):
        lines += ["", "## Failed scenarios", ""] + [
            f"- {k}: {v}" for k, v in meta["failures"].items()
        ]
    if plots:
        lines += ["", "## Plots", ""] + [f"![{p}]({p})" for p in plots]
    return "\n".join(lines) + "\n"


def _git(meta: Json) -> str:
    git = meta.get("git") or {}
    changed = git.get("changed_service_files") or []
    dirty = f" + uncommitted changes to {', '.join(changed)}" if changed else ""
    return f"{git.get('commit') or '?'}{dirty}"


def correctness_problems(results: Results) -> list[str]:
    """What went wrong beyond slowness: protocol errors, gaps, divergence, sockets the
    server closed, errors in the logs (not the notes about a busy machine)."""
    return _problems(results, with_noise=False)


def _problems(results: Results, with_noise: bool = True) -> list[str]:
    out = []
    runs = list(results.get("typing") or [])
    for key in ("saturation", "hot_room"):
        if results.get(key):
            runs.append(results[key])
    runs += (results.get("big_doc") or {}).get("runs", [])
    peers = results.get("peers") or {}
    systems = [peers.get("pairpad") or {}, peers.get("pairpad_one_process") or {}]
    for system in [*systems, *(peers.get("systems") or {}).values()]:
        runs += [system[k] for k in ("typing", "hot_room") if k in system]
    runs += list(((results.get("disk_stall") or {}).get("systems") or {}).values())
    for name, failure in (peers.get("failures") or {}).items():
        out.append(f"{name}: {failure[:300]}")
    if with_noise:
        out += _rounds_left_out(peers)
    for t in runs:
        problems = t["problems"]
        bad = {
            k: v
            for k, v in problems.items()
            if v and k not in ("error_examples", "stuck_examples", "closed_by_server")
        }
        closed = problems.get("closed_by_server") or {}
        if closed:
            bad["closed by the server (close code: sockets)"] = closed
        if bad:
            stuck = (problems.get("stuck_examples") or [None])[0]
            example = f"; e.g. {stuck}" if stuck else ""
            errors = problems.get("error_examples") or ""
            out.append(f"{t['label']}: {bad} {errors}{example}")
    big = (results.get("sockets") or {}).get("big_room") or {}
    big_bad = {
        k: big[k]
        for k in ("failures", "missing_deliveries", "closed_by_server", "editor_errors")
        if big.get(k)
    }
    if big_bad:
        out.append(f"big room: {big_bad}")
    logs = results.get("logs") or {}
    for where in ("servers", "postgres"):
        for message, count in (logs.get(where) or {}).items():
            if where == "postgres" and any(e in message for e in _EXPECTED_POSTGRES_ERRORS):
                continue
            out.append(f"{where} log: {count} x {message}")
    for c in results.get("ceiling") or []:
        if c["errors"]:
            out.append(f"ceiling {c['label']}: {c['errors']}")
    for t in [*runs, *(results.get("ceiling") or [])] if with_noise else []:
        other = (t.get("cpu") or {}).get("other_cores")
        if other is not None and other > NOISY_CORES:
            out.append(
                f"{t['label']}: measured while processes outside the benchmark used "
                f"{other:.2f} cores (the machine is shared): read it with caution"
            )
    return out


def _rounds_left_out(peers: Json) -> list[str]:
    """The peer rounds in which a system fell behind: like "other" CPU, a note on
    reading the figures (a busy machine's doing), not something that went wrong."""
    out = []
    for system in [peers.get("pairpad") or {}, *(peers.get("systems") or {}).values()]:
        for run in system.get("typing_rounds") or []:
            if not kept_up(run):
                out.append(
                    f"{run['label']}: fell behind (edit-to-peer p50 "
                    f"{run['edit_to_peer_ms']['p50']:,.0f} ms): left out of the CPU per "
                    "edit comparison"
                )
    return out


NOISY_CORES = 0.3

# Postgres's errors that are expected, not problems:
_EXPECTED_POSTGRES_ERRORS = (
    # the key check that refuses a multi-update push whose version another process
    # took first (the push gets `conflict`): the version check at work;
    'duplicate key value violates unique constraint "updates_pkey"',
    # an autovacuum worker in the benchmark's database when the run's teardown drops
    # it (DROP DATABASE ... WITH (FORCE) ends the worker) or stops the cluster.
    "terminating autovacuum process due to administrator command",
)


# Plots.


def _cdf(ax: Any, samples: list[float], label: str, **style: Any) -> None:
    if not samples:
        return
    ordered = sorted(samples)
    qs = [q / 10 for q in range(0, 1000)] + [99.9 + q / 100 for q in range(11)]
    xs = [max(percentile(ordered, q) * 1000, 1e-3) for q in qs]
    ax.plot(xs, qs, label=f"{label} (n={len(ordered)})", **style)


def plot(
    out_dir: Path,
    results: Results,
    samples: dict[str, list[float]],
    timelines: dict[str, list[tuple[float, float]]],
) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files: list[str] = []

    def figure(name: str, title: str, curves: list[tuple[str, str, Json]]) -> None:
        curves = [c for c in curves if samples.get(c[0])]
        if not curves:
            return
        fig, ax = plt.subplots(figsize=(8, 5))
        for key, label, style in curves:
            _cdf(ax, samples[key], label, **style)
        ax.set_xscale("log")
        ax.set_xlabel("latency, ms (log scale)")
        ax.set_ylabel("percentile")
        ax.set_ylim(0, 100.5)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
        fig.tight_layout()
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        files.append(name)

    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]
    typing_curves: list[tuple[str, str, Json]] = []
    for i, t in enumerate(results.get("typing") or []):
        color = colors[i % len(colors)]
        typing_curves.append((t["label"], f"Pairpad {t['label']}", {"color": color}))
        for key, name in (
            (f"ceiling typing R={t['rooms']}", f"ceiling R={t['rooms']}"),
            (
                f"ceiling typing R={t['rooms']}, group commit",
                f"ceiling R={t['rooms']}, group commit",
            ),
        ):
            typing_curves.append((key, name, {"color": color, "linestyle": "--"}))
    figure(
        "typing_latency.png",
        "Scenario 2: edit-to-peer (solid) vs no-app send-to-notification (dashed)",
        typing_curves,
    )

    other: list[tuple[str, str, Json]] = []
    sat = results.get("saturation")
    if sat:
        other.append((sat["label"], sat["label"], {"color": "tab:red"}))
    for c in results.get("ceiling") or []:
        if c["mode"] == "max":
            other.append(
                (
                    f"ceiling {c['label']}",
                    f"ceiling {c['label']}",
                    {"color": "tab:red", "linestyle": "--"},
                )
            )
    hot = results.get("hot_room")
    if hot:
        other.append((hot["label"], hot["label"], {"color": "tab:purple"}))
    for i, t in enumerate((results.get("big_doc") or {}).get("runs", [])):
        other.append((t["label"], t["label"], {"color": ["tab:green", "tab:olive"][i % 2]}))
    figure("scenarios_latency.png", "Scenarios 3-5: edit-to-peer latency", other)

    peer_curves: list[tuple[str, str, Json]] = []
    # One color a system; the hot room dashed.
    system_colors = {
        "Pairpad,": "tab:purple",
        "Pairpad": "tab:red",
        "ShareDB": "tab:blue",
        "Hocuspocus": "tab:orange",
    }
    for key in sorted(k for k in samples if k.startswith("peers ")):
        label = key.removeprefix("peers ")
        words = label.split()
        color = system_colors.get(words[0] if words[0] != "Pairpad," else "Pairpad,", "tab:gray")
        if label.startswith("Pairpad,"):
            color = system_colors["Pairpad,"]
        style = {"color": color, "linestyle": "--" if "hot room" in label else "-"}
        peer_curves.append((key, label, style))
    figure(
        "peers_latency.png", "Scenario 7: edit-to-peer latency, Pairpad and its peers", peer_curves
    )
    stall_curves: list[tuple[str, str, Json]] = [
        (key, key.removeprefix("stall "), {"color": "tab:red" if "Pairpad" in key else "tab:blue"})
        for key in sorted(k for k in samples if k.startswith("stall "))
    ]
    figure(
        "disk_stall_latency.png",
        "Scenario 8: edit-to-peer latency while Postgres checkpoints under write pressure",
        stall_curves,
    )
    # Latency against time: stalls (a lock wait, a checkpoint, a burst of conflicts)
    # show as columns that a distribution hides.
    series = [
        (t["label"], timelines[t["label"]])
        for t in results.get("typing") or []
        if timelines.get(t["label"])
    ]
    if series:
        fig, axes = plt.subplots(
            len(series), 1, figsize=(8, 1.8 * len(series) + 0.6), sharex=True, squeeze=False
        )
        for ax, (label, points) in zip(axes[:, 0], series, strict=True):
            xs = [p[0] for p in points]
            ys = [max(p[1] * 1000, 0.1) for p in points]
            ax.scatter(xs, ys, s=2, alpha=0.4, color="tab:blue", linewidths=0)
            ax.set_yscale("log")
            ax.set_ylabel("ms")
            ax.set_title(f"{label}: edit-to-peer over the window", fontsize=9)
            ax.grid(True, which="both", alpha=0.3)
        axes[-1, 0].set_xlabel("push sent, seconds into the window")
        fig.tight_layout()
        fig.savefig(out_dir / "typing_timeline.png", dpi=110)
        plt.close(fig)
        files.append("typing_timeline.png")
    return files
