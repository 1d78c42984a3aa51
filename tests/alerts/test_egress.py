"""Which addresses webhooks may reach (:mod:`urutiq_ai.alerts.egress`), without a network:
every spelling of a non-public address is refused, names are judged by every address they
resolve to, and the allow setting lets chosen hosts through."""

from collections.abc import Sequence
from ipaddress import ip_address

import pytest

from urutiq_ai.alerts.egress import Allowance, check_url, is_public, literal_address
from urutiq_ai.alerts.errors import AddressNotAllowed, HostUnresolved
from urutiq_ai.core.settings import Settings

PUBLIC = "93.184.215.14"


def resolver(*answers: str) -> "Fake":
    return Fake(list(answers))


class Fake:
    """A resolver answering every name with ``answers``; it records what it was asked."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append((host, port))
        return self.answers


NOT_PUBLIC_URLS = [
    "http://127.0.0.1/h",
    "http://127.0.0.1./h",  # a trailing dot
    "http://2130706433/h",  # 127.0.0.1 as one decimal number
    "http://0x7f000001/h",
    "http://0x7f.1/h",  # hex and a short form
    "http://0177.0.0.1/h",  # octal
    "http://127.1/h",
    "http://[::1]/h",
    "http://[::ffff:127.0.0.1]/h",  # IPv4-mapped
    "http://[::ffff:7f00:1]/h",
    "http://[0:0:0:0:0:ffff:169.254.169.254]/h",
    "http://0.0.0.0/h",
    "http://0/h",
    "http://[::]/h",
    "http://a@127.0.0.1/h",  # userinfo before the host
    "http://user:pw@127.0.0.1:8080/h",
    "http://example.com@127.0.0.1/h",
    "https://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://100.100.100.200/h",
    "http://10.0.0.1/h",
    "http://172.16.5.4/h",
    "http://192.168.1.1/h",
    "http://100.64.0.1/h",  # CGNAT
    "http://[fe80::1]/h",
    "http://[fc00::1]/h",
    "http://224.0.0.1/h",  # multicast
    "http://[ff02::1]/h",
    "http://240.0.0.1/h",  # reserved
    "http://255.255.255.255/h",
    "http://198.18.0.1/h",
    "http://[2002:7f00:1::]/h",  # 6to4 around 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/h",  # NAT64 around 169.254.169.254
    "HTTP://127.0.0.1/h",
]


class TestCheckUrl:
    @pytest.mark.parametrize("url", NOT_PUBLIC_URLS)
    def test_every_spelling_of_a_non_public_address_is_refused(self, url: str) -> None:
        fake = resolver(PUBLIC)
        with pytest.raises(AddressNotAllowed):
            check_url(url, resolve=fake)
        assert fake.asked == []  # an address literal is never looked up

    @pytest.mark.parametrize(
        "answers",
        [["127.0.0.1"], ["::1"], ["10.1.2.3"], ["169.254.169.254"], [PUBLIC, "127.0.0.1"]],
    )
    def test_a_name_is_refused_unless_every_address_is_public(self, answers: list[str]) -> None:
        with pytest.raises(AddressNotAllowed):
            check_url("https://hooks.example.com/x", resolve=resolver(*answers))

    def test_a_public_name_passes_with_where_to_connect(self) -> None:
        fake = resolver(PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
        target = check_url("https://u@Hooks.Example.com:8443/x?y=1", resolve=fake)
        assert (target.scheme, target.host, target.port) == ("https", "hooks.example.com", 8443)
        assert [str(a) for a in target.addresses] == fake.answers
        assert fake.asked == [("hooks.example.com", 8443)]

    def test_a_public_literal_passes(self) -> None:
        assert check_url(f"http://{PUBLIC}/x").addresses == (ip_address(PUBLIC),)

    def test_a_name_that_resolves_to_nothing(self) -> None:
        with pytest.raises(HostUnresolved):
            check_url("https://nowhere.example/x", resolve=resolver())

    def test_an_answer_that_is_not_an_address_is_not_trusted(self) -> None:
        with pytest.raises(AddressNotAllowed):
            check_url("https://odd.example/x", resolve=resolver(PUBLIC, "not-an-address"))

    @pytest.mark.parametrize(
        "url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://1.2.3.4/", "http:///x"]
    )
    def test_only_http_and_https_with_a_host(self, url: str) -> None:
        with pytest.raises(AddressNotAllowed):
            check_url(url, resolve=resolver(PUBLIC))

    def test_a_numeric_host_that_is_no_address(self) -> None:
        with pytest.raises(AddressNotAllowed):
            check_url("http://1.2.3.4.5/x", resolve=resolver(PUBLIC))


class TestAllowSetting:
    @pytest.mark.parametrize("allow", [["127.0.0.1"], ["127.0.0.0/8"], ["[127.0.0.1]"]])
    def test_an_allowed_address_or_network_passes(self, allow: list[str]) -> None:
        for url in ("http://127.0.0.1:8080/h", "http://2130706433:8080/h"):
            assert check_url(url, allow).addresses == (ip_address("127.0.0.1"),)
        mapped = check_url("http://[::ffff:127.0.0.1]/h", allow).addresses
        assert mapped == (ip_address("::ffff:127.0.0.1"),)

    def test_an_allowed_network_does_not_allow_its_neighbours(self) -> None:
        with pytest.raises(AddressNotAllowed):
            check_url("http://10.0.0.9/h", ["10.0.1.0/24"])

    def test_an_allowed_name_is_trusted_whatever_it_resolves_to(self) -> None:
        fake = resolver("10.20.30.40")
        target = check_url("https://hooks.lan./x", ["Hooks.LAN"], resolve=fake)
        assert target.addresses == (ip_address("10.20.30.40"),)
        with pytest.raises(AddressNotAllowed):  # another name resolving there is not
            check_url("https://other.lan/x", ["hooks.lan"], resolve=fake)

    def test_the_environment_variable_is_comma_separated(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("URUTIQ_WEBHOOK_ALLOW_HOSTS", " hooks.lan, 10.0.0.0/8 ,,127.0.0.1")
        assert Settings().webhook_allow_hosts == ["hooks.lan", "10.0.0.0/8", "127.0.0.1"]
        monkeypatch.delenv("URUTIQ_WEBHOOK_ALLOW_HOSTS")
        assert Settings().webhook_allow_hosts == []

    def test_a_malformed_network_allows_nothing(self) -> None:
        allowance = Allowance.parse(["10.0.0.0/33", ""])
        assert allowance == Allowance()


class TestIsPublic:
    @pytest.mark.parametrize(
        "text", [PUBLIC, "8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8", "2002:808:808::"]
    )
    def test_public(self, text: str) -> None:
        assert is_public(ip_address(text))

    @pytest.mark.parametrize(
        "text",
        ["127.0.0.1", "169.254.169.254", "fd00:ec2::254", "100.64.0.1", "0.0.0.0", "::", "::1"],
    )
    def test_not_public(self, text: str) -> None:
        assert not is_public(ip_address(text))

    @pytest.mark.parametrize(
        ("host", "address"),
        [("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("017700000001", "127.0.0.1"),
         ("127.0.0.1.", "127.0.0.1"), ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
         ("hooks.example.com", None), ("1e100.net", None)],
    )  # fmt: skip
    def test_literal_forms(self, host: str, address: str | None) -> None:
        assert literal_address(host) == (ip_address(address) if address else None)
