"""Run the PagerDuty, Slack and webhook receivers by hand, to watch what Blastwall sends.

    python -m tests.receivers [--pagerduty-port 9101] [--slack-port 9102]
                              [--webhook-port 9103] [--webhook-secret SECRET]

Prints the environment to give the server, then one JSON line per request: the receiver,
the status it answered, and the body it got. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
from contextlib import ExitStack
from typing import Any

from tests.receivers.base import Answer, HttpReceiver, Request
from tests.receivers.pagerduty import PagerDutyReceiver
from tests.receivers.slack import SlackReceiver
from tests.receivers.webhook import WebhookReceiver


def _echo(name: str, receiver: HttpReceiver) -> None:
    answer = receiver.answer

    def logged(request: Request) -> Answer:
        result = answer(request)
        try:
            body: Any = json.loads(request.body)
        except ValueError:
            body = request.body.decode(errors="replace")
        print(json.dumps({"receiver": name, "status": result.status, "body": body}), flush=True)
        return result

    receiver.answer = logged  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pagerduty-port", type=int, default=0)
    parser.add_argument("--slack-port", type=int, default=0)
    parser.add_argument("--webhook-port", type=int, default=0)
    parser.add_argument("--webhook-secret", default=secrets.token_hex(32))
    args = parser.parse_args()
    with ExitStack() as stack:
        pd = stack.enter_context(PagerDutyReceiver(port=args.pagerduty_port))
        slack = stack.enter_context(SlackReceiver(port=args.slack_port))
        hook = stack.enter_context(WebhookReceiver(args.webhook_secret, port=args.webhook_port))
        for name, receiver in (("pagerduty", pd), ("slack", slack), ("webhook", hook)):
            _echo(name, receiver)
        print(f"export BLASTWALL_PAGERDUTY_EVENTS_URL={pd.events_url}")
        print(f"export SLACK_WEBHOOK_URL={slack.webhook_url}")
        print(f"export WEBHOOK_URL={hook.hook_url}")
        print(f"export WEBHOOK_SECRET={args.webhook_secret}", flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    main()
