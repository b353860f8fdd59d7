"""Sellers' webhook URLs cannot reach into the platform's network (SSRF).

The test settings allow private hosts (the receivers here listen on 127.0.0.1);
the tests that prove a refusal switch that off, as production has it.
"""

from __future__ import annotations

import contextlib
import datetime
import re
import socket
import ssl
import threading
import time
import tracemalloc
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from disputes import services
from integrations import outbound
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.webhooks import services as webhooks
from integrations.webhooks.transport import attempt
from tests.api.conftest import api_for
from tests.conftest import client_for, open_dispute

pytestmark = pytest.mark.django_db

# A public address (example.com's) the seller's name resolves to; no test
# connects to it: connections to it are routed to a receiver on 127.0.0.1.
PUBLIC = "93.184.215.14"
NAME = "hooks.seller.example"

PRIVATE_URLS = [
    "http://127.0.0.1/hooks",
    "http://10.0.0.7/hooks",
    "http://172.16.0.1/hooks",
    "http://192.168.1.1/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/hooks",
    "http://240.0.0.1/hooks",
    "http://224.0.0.1/hooks",
    "http://0.0.0.0/hooks",
    "http://[::1]/hooks",
    "http://[fe80::1]/hooks",
    "http://[fc00::1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://localhost/hooks",
    "http://api.localhost./hooks",
    "http://loopback.seller.example/hooks",  # a name whose DNS answer is 127.0.0.1
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.0.0.1/",
    "http://0x7f000001/",
    "http://127.1/",
]


class Resolver:
    """DNS for the test names (answers can be changed: rebinding); counts lookups."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers = {"loopback.seller.example": "127.0.0.1", NAME: PUBLIC}
        self.lookups: list[str] = []
        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if host not in self.answers:
                return real(host, port, *args, **kwargs)
            self.lookups.append(host)
            sockaddr = (self.answers[host], port or 0)
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def resolver(monkeypatch):
    return Resolver(monkeypatch)


@pytest.fixture
def routes(monkeypatch):
    """Connections to PUBLIC reach 127.0.0.1 (where the receivers are); any other
    connection a delivery opens is refused. Records where each one was asked to go."""
    asked: list[tuple[str, int]] = []
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):
        asked.append((address[0], address[1]))
        if address[0] != PUBLIC:
            raise ConnectionRefusedError(f"test network: no route to {address[0]}")
        return real(("127.0.0.1", address[1]), *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return asked


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?i)content-length: *(\d+)", head)
    while length and len(body) < int(length.group(1)):
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return data


class RawReceiver:
    """A receiver on 127.0.0.1 that records each request and answers with ``answer``
    (which writes to the connection as it likes: slowly, endlessly)."""

    def __init__(self, answer: Callable[[socket.socket], None]) -> None:
        self.requests: list[bytes] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.answer = answer
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                self.requests.append(_read_request(conn))
                with contextlib.suppress(OSError):  # the platform hung up
                    self.answer(conn)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def raw_receivers():
    made: list[RawReceiver] = []

    def make(answer: Callable[[socket.socket], None]) -> RawReceiver:
        made.append(RawReceiver(answer))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def _answer(text: str) -> Callable[[socket.socket], None]:
    return lambda conn: conn.sendall(text.encode())


def _deliver(order, buyer) -> WebhookDelivery:
    """A dispute event for the seller, delivered at once (one attempt)."""
    dispute = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    webhooks.fan_out(dispute.events.order_by("seq").last().pk)
    return WebhookDelivery.objects.get()


def _again(delivery: WebhookDelivery, url: str | None = None) -> WebhookDelivery:
    """The delivery sent once more (replayed), to ``url`` if given."""
    if url:
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(url=url)
    assert webhooks.replay(seller=delivery.endpoint.seller, delivery_id=delivery.pk)
    attempt(delivery.pk)
    delivery.refresh_from_db()
    return delivery


@pytest.fixture
def one_attempt(settings):
    settings.WEBHOOK_RETRY_DELAYS = []


# --- registration -----------------------------------------------------------------


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_registration_through_the_api_refuses_a_private_address(url, seller, resolver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    answer = api_for(seller).post("/api/v1/webhooks/endpoints/", {"url": url}, format="json")
    assert answer.status_code == 400
    [message] = answer.json()["errors"]["url"]
    assert "non-public address" in message
    assert not WebhookEndpoint.objects.exists()


def test_registration_on_the_page_refuses_every_private_address(seller, resolver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    client = client_for(seller)
    for url in PRIVATE_URLS:
        page = client.post("/account/webhooks/", {"url": url, "description": ""})
        assert page.status_code == 400, url  # the form again with its error (key still usable)
        # Next to the URL field (Django's own URL check refuses some forms first).
        assert page.context["form"].errors["url"], url
        assert b'id="id_url_error1"' in page.content, url
    assert not WebhookEndpoint.objects.exists()
    page = client.post("/account/webhooks/", {"url": "http://169.254.169.254/latest/"})
    assert "169.254.169.254 is a non-public address" in page.context["form"].errors["url"][0]


def test_a_public_host_is_registered(seller, resolver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    answer = api_for(seller).post(
        "/api/v1/webhooks/endpoints/", {"url": f"http://{NAME}/hooks"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    assert resolver.lookups == [NAME]


def test_a_refusal_does_not_say_what_an_internal_name_resolves_to(
    seller, resolver, settings, caplog
):
    """An attacker registering "https://vm/" learns that vm is not public, not
    which internal address it has (the server's log keeps that)."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    resolver.answers["vm"] = resolver.answers["vm.corp.example"] = "10.20.30.40"
    caplog.set_level("INFO", logger="integrations.outbound")
    answer = api_for(seller).post(
        "/api/v1/webhooks/endpoints/", {"url": "https://vm/"}, format="json"
    )
    assert answer.status_code == 400
    [message] = answer.json()["errors"]["url"]
    assert "vm resolves to a non-public address" in message
    # The page's URL field wants a dotted name.
    page = client_for(seller).post(
        "/account/webhooks/", {"url": "https://vm.corp.example/", "description": ""}
    )
    [on_page] = page.context["form"].errors["url"]
    assert "vm.corp.example resolves to a non-public address" in on_page
    for shown in (message, on_page, answer.content.decode(), page.content.decode()):
        assert "10.20.30.40" not in shown
    assert "10.20.30.40" in caplog.text
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("port", ["0", "00"])
def test_registration_refuses_a_port_outside_1_to_65535(port, seller, resolver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    answer = api_for(seller).post(
        "/api/v1/webhooks/endpoints/", {"url": f"https://{PUBLIC}:{port}/hooks"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["url"] == ["The port is not valid."]
    assert not WebhookEndpoint.objects.exists()


# --- delivery -------------------------------------------------------------------------


def test_a_redirect_is_not_followed_and_the_delivery_records_it(
    seller, order, buyer, raw_receivers, one_attempt
):
    elsewhere = raw_receivers(_answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    redirecting = raw_receivers(
        _answer(f"HTTP/1.1 302 Found\r\nLocation: {elsewhere.url}\r\nContent-Length: 0\r\n\r\n")
    )
    webhooks.endpoint_create(seller=seller, url=redirecting.url)
    delivery = _deliver(order, buyer)
    assert len(redirecting.requests) == 1
    assert elsewhere.requests == []
    assert delivery.status == "failed"
    assert delivery.last_status_code == 302
    assert "HTTP 302" in delivery.last_error
    assert "redirect" in delivery.last_error


def test_delivery_connects_to_the_address_it_vetted_and_refuses_a_rebound_name(
    seller, order, buyer, resolver, routes, raw_receivers, settings, one_attempt
):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    receiver = raw_receivers(_answer("HTTP/1.1 204 No Content\r\n\r\n"))
    endpoint = webhooks.endpoint_create(seller=seller, url=f"http://{NAME}:{receiver.port}/hooks")
    resolver.lookups.clear()
    delivery = _deliver(order, buyer)
    assert delivery.status == "succeeded"
    # One lookup, and the connection went to the address it gave, not to the name.
    assert resolver.lookups == [NAME]
    assert routes == [(PUBLIC, receiver.port)]
    [request] = receiver.requests
    assert f"\r\nHost: {NAME}:{receiver.port}\r\n".encode() in request
    assert request.startswith(b"POST /hooks HTTP/1.1\r\n")

    # The name now answers loopback (DNS rebinding): refused, nothing sent.
    resolver.answers[NAME] = "127.0.0.1"
    routes.clear()
    delivery = _again(delivery)
    assert delivery.endpoint == endpoint
    assert delivery.status == "failed"
    assert delivery.last_status_code is None
    assert f"{NAME} resolves to a non-public address" in delivery.last_error
    assert "127.0.0.1" not in delivery.last_error
    assert routes == []
    assert len(receiver.requests) == 1


def test_delivery_refuses_port_0_of_an_endpoint_stored_before_the_check(
    seller, order, buyer, resolver, routes, settings, one_attempt
):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    endpoint = webhooks.endpoint_create(seller=seller, url=f"http://{NAME}/hooks")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"http://{NAME}:0/hooks")
    delivery = _deliver(order, buyer)
    assert delivery.status == "failed"
    assert delivery.last_error == "The port is not valid."
    # Nothing was sent anywhere (the default port included).
    assert routes == []


def _certificate(tmp_path, name: str) -> tuple[str, str, str]:
    """A CA, and a certificate for ``name`` signed by it: (ca, cert, key) files."""
    now = datetime.datetime.now(datetime.UTC)

    def build(subject, issuer, key, signer, *, ca: bool, san=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False
            )
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        if san:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("Test CA", "Test CA", ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(name, "Test CA", key, ca_key, ca=False, san=name)
    files = []
    for filename, data in (
        ("ca.pem", ca.public_bytes(serialization.Encoding.PEM)),
        ("cert.pem", cert.public_bytes(serialization.Encoding.PEM)),
        (
            "key.pem",
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        ),
    ):
        (tmp_path / filename).write_bytes(data)
        files.append(str(tmp_path / filename))
    return files[0], files[1], files[2]


@pytest.mark.parametrize(("certified", "delivered"), [(NAME, True), ("other.example", False)])
def test_https_goes_to_the_vetted_address_with_the_name_for_sni_and_certificate(
    certified,
    delivered,
    seller,
    order,
    buyer,
    resolver,
    routes,
    settings,
    tmp_path,
    monkeypatch,
    one_attempt,
):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    ca, cert, key = _certificate(tmp_path, certified)
    server_names: list[str | None] = []
    hosts: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            hosts.append(self.headers["Host"])
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    tls.sni_callback = lambda sock, name, context: server_names.append(name)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # The platform trusts the test CA, the rest of its TLS checks as configured.
    monkeypatch.setattr(
        outbound, "tls_context", lambda: ssl.create_default_context(cafile=ca), raising=True
    )
    try:
        port = server.server_address[1]
        webhooks.endpoint_create(seller=seller, url=f"https://{NAME}:{port}/hooks")
        delivery = _deliver(order, buyer)
    finally:
        server.shutdown()
        server.server_close()
    assert routes == [(PUBLIC, port)]
    assert server_names == [NAME]
    if delivered:
        assert delivery.status == "succeeded"
        assert hosts == [f"{NAME}:{port}"]
    else:
        # The certificate is checked against the name, not the address.
        assert delivery.status == "failed"
        assert "certificate" in delivery.last_error.lower()
        assert hosts == []


def test_a_receiver_dripping_its_answer_is_given_up_on_at_the_deadline(
    seller, order, buyer, raw_receivers, settings, one_attempt
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1

    def drip(conn: socket.socket) -> None:
        # A byte every 0.1 s for 8 s: each read alone is quick.
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(80):
            conn.sendall(b"a")
            time.sleep(0.1)
        conn.sendall(b"\r\n\r\n")

    receiver = raw_receivers(drip)
    webhooks.endpoint_create(seller=seller, url=receiver.url)
    started = time.monotonic()
    delivery = _deliver(order, buyer)
    assert time.monotonic() - started < 3
    assert delivery.status == "failed"
    assert delivery.last_status_code is None
    assert "timed out" in delivery.last_error


def test_an_endless_answer_is_read_only_up_to_the_cap(
    seller, order, buyer, raw_receivers, settings, one_attempt
):
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024

    # An endless body after the status: the status is the answer, the body is not read.
    def endless_body(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n")
        for _ in range(20_000):  # 20 MB, unless the platform hangs up
            conn.sendall(b"a" * 1000)

    webhooks.endpoint_create(seller=seller, url=raw_receivers(endless_body).url)
    started = time.monotonic()
    delivery = _deliver(order, buyer)
    assert delivery.status == "succeeded"
    assert time.monotonic() - started < 3

    # Endless headers: the answer's head is cut at the cap, and the delivery fails.
    def endless_headers(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(20_000):
            conn.sendall(b"X-Pad: " + b"a" * 1000 + b"\r\n")

    receiver = raw_receivers(endless_headers)
    tracemalloc.start()
    try:
        delivery = _again(delivery, receiver.url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(receiver.requests) == 1
    assert delivery.status == "failed"
    assert "larger than 65536 bytes" in delivery.last_error
    assert peak < 1024 * 1024
