"""Checks across keys of the ``triage`` section: unique ids, next ids that resolve, no
cycles, no question that is never asked. Each problem is (key path, message)."""

from __future__ import annotations

from blastwall.triage.spec import TriageTreeSpec

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]


def _tree(tree: TriageTreeSpec, at: Loc) -> list[Problem]:
    problems: list[Problem] = []
    ids: dict[str, int] = {}
    for index, question in enumerate(tree.questions):
        if question.id in ids:
            problems.append(
                (
                    (*at, "questions", index, "id"),
                    f"question {question.id!r} is declared twice (also questions"
                    f"[{ids[question.id]}]): rename or remove one",
                )
            )
        ids.setdefault(question.id, index)
        seen: set[str] = set()
        for position, answer in enumerate(question.answers):
            if answer.answer in seen:
                problems.append(
                    (
                        (*at, "questions", index, "answers", position, "answer"),
                        f"answer {answer.answer!r} is given twice for {question.id!r}: "
                        "rename or remove one",
                    )
                )
            seen.add(answer.answer)
            if answer.next is not None and answer.next not in ids_of(tree):
                listed = ", ".join(dict.fromkeys(q.id for q in tree.questions))
                problems.append(
                    (
                        (*at, "questions", index, "answers", position, "next"),
                        f"{answer.next!r} is not a question of this tree ({listed}): fix the "
                        "id, or add the question",
                    )
                )
    if problems:
        return problems
    return _cycles(tree, at) or _unreachable(tree, at)


def ids_of(tree: TriageTreeSpec) -> set[str]:
    return {q.id for q in tree.questions}


def _cycles(tree: TriageTreeSpec, at: Loc) -> list[Problem]:
    """The answer that closes each loop: triage must always end at an outcome."""
    index = {q.id: i for i, q in enumerate(tree.questions)}
    problems: list[Problem] = []
    done: set[str] = set()

    def visit(qid: str, path: list[str]) -> None:
        if qid in done:
            return
        question = tree.questions[index[qid]]
        for position, answer in enumerate(question.answers):
            if answer.next is None:
                continue
            if answer.next in path or answer.next == qid:
                loop = " -> ".join([*path[path.index(answer.next) :], qid, answer.next])
                problems.append(
                    (
                        (*at, "questions", index[qid], "answers", position, "next"),
                        f"leads back to {answer.next!r} ({loop}), so triage could go round "
                        "for ever: point it to a later question or give an outcome",
                    )
                )
                continue
            visit(answer.next, [*path, qid])
        done.add(qid)

    for question in tree.questions:
        visit(question.id, [])
    return problems


def _unreachable(tree: TriageTreeSpec, at: Loc) -> list[Problem]:
    reached = {tree.questions[0].id}
    frontier = [tree.questions[0]]
    by_id = {q.id: q for q in tree.questions}
    while frontier:
        question = frontier.pop()
        for answer in question.answers:
            if answer.next is not None and answer.next not in reached:
                reached.add(answer.next)
                frontier.append(by_id[answer.next])
    return [
        (
            (*at, "questions", index, "id"),
            f"question {question.id!r} is never asked: no answer leads to it from the first "
            f"question {tree.questions[0].id!r}; point an answer's 'next:' to it, or remove it",
        )
        for index, question in enumerate(tree.questions)
        if question.id not in reached
    ]


def check(trees: list[TriageTreeSpec]) -> list[Problem]:
    """Every problem of the section that needs no database, each at the key to fix."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for index, tree in enumerate(trees):
        if tree.system in first:
            problems.append(
                (
                    (index, "system"),
                    f"system {tree.system!r} has a tree already (triage[{first[tree.system]}]): "
                    "merge the two",
                )
            )
        first.setdefault(tree.system, index)
        problems += _tree(tree, (index,))
    return problems
