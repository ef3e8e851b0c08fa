"""The daily jobs: each person's digest delivered to an SMTP server and a group robot's webhook
that the test starts itself on 127.0.0.1 (nothing leaves the machine); each job once a day,
however many workers try at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from crm_core.api.crm import Crm
from crm_core.api.customers import NewCustomer
from crm_core.api.interactions import NewInteraction
from crm_core.api.users import NewUser
from crm_core.kernel.deployment import Deployment
from crm_core.server import jobs
from tests.server.test_serve_process import _free_port


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def robot() -> Iterator[tuple[list[dict[str, Any]], str]]:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["content-length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"errcode": 0}')

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=k"
    finally:
        server.shutdown()


def _company(deployment: Deployment, smtp_port: int, webhook: str) -> None:
    crm = Crm(deployment)
    with crm.as_user("admin", write=True) as desk:
        desk.users.add(NewUser("li", "李明", "sales", email="li@example.test"))
        desk.settings.set("mail.smtp_host", "127.0.0.1")
        desk.settings.set("mail.smtp_port", str(smtp_port))
        desk.settings.set("mail.sender", "crm@example.test")
        desk.settings.set("chat.webhook_url", webhook)
    with crm.as_user("li", write=True) as desk:
        customer = desk.customers.create(NewCustomer("杭州提醒测试有限公司"))
        today = desk.context.today()
        desk.interactions.log(
            NewInteraction(str(customer.id), "call", notes="报价", next_contact_on=today)
        )


def test_digests_go_by_mail_and_chat_once_a_day(
    crm_deployment: Deployment, mailbox: tuple[Mailbox, int], robot: Any, crm_cli: Any
) -> None:
    box, port = mailbox
    posted, webhook = robot
    _company(crm_deployment, port, webhook)
    done = crm_cli("jobs", "run", "reminder-digest")
    assert done.exit_code == 0, done.stderr
    assert "1 digests delivered, 0 failed" in done.output
    assert [m.rcpt_tos for m in box.messages] == [["li@example.test"]]
    mail = message_from_bytes(box.messages[0].content, policy=policy.default)
    subject = str(make_header(decode_header(str(mail["Subject"]))))
    assert subject and mail["From"] == "crm@example.test"
    assert "杭州提醒测试有限公司" in mail.get_content()  # type: ignore[attr-defined]
    assert len(posted) == 1 and posted[0]["msgtype"] == "text"
    assert "杭州提醒测试有限公司" in posted[0]["text"]["content"]
    again = crm_cli("jobs", "run", "reminder-digest")
    assert again.exit_code == 1
    assert "ran today already" in again.stderr
    assert len(box.messages) == 1
    forced = crm_cli("jobs", "run", "reminder-digest", "--again")
    assert forced.exit_code == 0 and len(box.messages) == 2
    listed = crm_cli("jobs", "list", "--format", "json").json()
    digest = next(j for j in listed if j["job"] == "reminder-digest")
    assert digest["outcome"].startswith("1 digests delivered")


def test_a_mail_server_that_is_down_is_recorded_not_fatal(
    crm_deployment: Deployment, robot: Any, crm_cli: Any
) -> None:
    _posted, webhook = robot
    _company(crm_deployment, _free_port(), webhook)
    done = crm_cli("jobs", "run", "reminder-digest")
    assert done.exit_code == 0, done.stderr
    assert "0 digests delivered, 1 failed" in done.output


def test_several_workers_run_each_job_once(crm_deployment: Deployment) -> None:
    crm = Crm(crm_deployment)
    outcomes: list[list[str]] = []

    def worker() -> None:
        outcomes.append(jobs.due(crm))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ran = [line for found in outcomes for line in found]
    names = sorted(line.split(":")[0] for line in ran)
    assert len(names) == len(set(names)), ran
    history = jobs.history(crm_deployment)
    assert set(history) == set(names)
    assert jobs.due(crm) == []


def test_unknown_job_is_one_line(crm_deployment: Deployment, crm_cli: Any) -> None:
    refused = crm_cli("jobs", "run", "nothing")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: No job 'nothing'")
