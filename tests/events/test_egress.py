"""SSRF guard: URL rules, address categories, allow-list and the pinned address."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

import pytest

from bhlink.events.egress import (
    EgressPolicy,
    EgressRefused,
    RefusalReason,
    check_url,
    classify_address,
    system_resolver,
    vet_url,
)

PRODUCTION = EgressPolicy()
DEVELOPMENT = EgressPolicy(development_mode=True)
PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


class FakeResolver:
    """Answers every name with fixed addresses and records the questions."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append((host, port))
        return self.answers


def refusal(url: str, policy: EgressPolicy = PRODUCTION, *answers: str) -> RefusalReason:
    with pytest.raises(EgressRefused) as info:
        vet_url(url, policy, FakeResolver(*(answers or (PUBLIC_V4,))))
    return info.value.reason


class TestAcceptedTargets:
    def test_public_host_is_resolved_once_and_pinned(self) -> None:
        resolver = FakeResolver(PUBLIC_V4, PUBLIC_V6)
        target = vet_url("https://Hooks.Example.com/in/bhlink?token=abc", PRODUCTION, resolver)
        assert resolver.calls == [("hooks.example.com", 443)]
        assert target.address == ipaddress.ip_address(PUBLIC_V4)
        assert target.resolved == (ipaddress.ip_address(PUBLIC_V4), ipaddress.ip_address(PUBLIC_V6))
        assert target.connect_url == f"https://{PUBLIC_V4}:443/in/bhlink?token=abc"
        assert target.host_header == "hooks.example.com"
        assert target.sni_hostname == "hooks.example.com"

    def test_non_default_port_appears_in_host_header(self) -> None:
        target = vet_url("https://hooks.example.com:8443/x", PRODUCTION, FakeResolver(PUBLIC_V4))
        assert target.host_header == "hooks.example.com:8443"
        assert target.connect_url == f"https://{PUBLIC_V4}:8443/x"

    def test_ipv6_address_is_bracketed(self) -> None:
        target = vet_url("https://hooks.example.com/", PRODUCTION, FakeResolver(PUBLIC_V6))
        assert target.connect_url == f"https://[{PUBLIC_V6}]:443/"

    def test_ip_literal_needs_no_resolver_and_no_sni(self) -> None:
        resolver = FakeResolver()
        target = vet_url(f"https://[{PUBLIC_V6}]:8443/h", PRODUCTION, resolver)
        assert resolver.calls == []
        assert target.sni_hostname is None
        assert target.host_header == f"[{PUBLIC_V6}]:8443"

    def test_internationalised_host_uses_its_ascii_form(self) -> None:
        resolver = FakeResolver(PUBLIC_V4)
        target = vet_url("https://bücher.example/", PRODUCTION, resolver)
        assert resolver.calls == [("xn--bcher-kva.example", 443)]
        assert target.host_header == "xn--bcher-kva.example"

    def test_duplicate_answers_are_collapsed(self) -> None:
        target = vet_url("https://a.example/", PRODUCTION, FakeResolver(PUBLIC_V4, PUBLIC_V4))
        assert len(target.resolved) == 1

    def test_fragment_is_not_part_of_the_request_target(self) -> None:
        target = vet_url("https://a.example/p?q=1#frag", PRODUCTION, FakeResolver(PUBLIC_V4))
        assert target.connect_url.endswith("/p?q=1")

    @pytest.mark.parametrize(
        "address", ["172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1", "11.0.0.1"]
    )
    def test_neighbours_of_refused_ranges_are_public(self, address: str) -> None:
        assert classify_address(ipaddress.ip_address(address)) is None
        vet_url("https://a.example/", PRODUCTION, FakeResolver(address))


ADDRESS_CASES = [
    ("10.0.0.1", RefusalReason.PRIVATE_ADDRESS),
    ("10.255.255.255", RefusalReason.PRIVATE_ADDRESS),
    ("172.16.0.1", RefusalReason.PRIVATE_ADDRESS),
    ("172.31.255.255", RefusalReason.PRIVATE_ADDRESS),
    ("192.168.1.10", RefusalReason.PRIVATE_ADDRESS),
    ("fc00::1", RefusalReason.PRIVATE_ADDRESS),
    ("fd12:3456::1", RefusalReason.PRIVATE_ADDRESS),
    ("127.0.0.1", RefusalReason.LOOPBACK_ADDRESS),
    ("127.8.9.10", RefusalReason.LOOPBACK_ADDRESS),
    ("::1", RefusalReason.LOOPBACK_ADDRESS),
    ("169.254.1.1", RefusalReason.LINK_LOCAL_ADDRESS),
    ("fe80::1", RefusalReason.LINK_LOCAL_ADDRESS),
    ("fe80::1%eth0", RefusalReason.LINK_LOCAL_ADDRESS),
    ("169.254.169.254", RefusalReason.METADATA_ADDRESS),
    ("169.254.170.2", RefusalReason.METADATA_ADDRESS),
    ("fd00:ec2::254", RefusalReason.METADATA_ADDRESS),
    ("fd00:ec2::254%eth0", RefusalReason.METADATA_ADDRESS),
    ("100.100.100.200", RefusalReason.METADATA_ADDRESS),
    ("100.64.0.1", RefusalReason.SHARED_ADDRESS),
    ("100.127.255.255", RefusalReason.SHARED_ADDRESS),
    ("224.0.0.1", RefusalReason.MULTICAST_ADDRESS),
    ("239.255.255.250", RefusalReason.MULTICAST_ADDRESS),
    ("ff02::1", RefusalReason.MULTICAST_ADDRESS),
    ("0.0.0.0", RefusalReason.UNSPECIFIED_ADDRESS),
    ("0.1.2.3", RefusalReason.UNSPECIFIED_ADDRESS),
    ("::", RefusalReason.UNSPECIFIED_ADDRESS),
    ("240.0.0.1", RefusalReason.RESERVED_ADDRESS),
    ("255.255.255.255", RefusalReason.RESERVED_ADDRESS),
    ("fec0::1", RefusalReason.RESERVED_ADDRESS),
    ("192.0.2.1", RefusalReason.NON_GLOBAL_ADDRESS),  # TEST-NET-1 documentation range
    ("198.18.0.1", RefusalReason.NON_GLOBAL_ADDRESS),  # benchmarking
    ("2001:db8::1", RefusalReason.NON_GLOBAL_ADDRESS),  # documentation
    ("2001::1", RefusalReason.NON_GLOBAL_ADDRESS),  # Teredo
    # IPv6 forms that smuggle an IPv4 address are judged by the embedded address.
    ("::ffff:127.0.0.1", RefusalReason.LOOPBACK_ADDRESS),
    ("::ffff:10.1.2.3", RefusalReason.PRIVATE_ADDRESS),
    ("::ffff:169.254.169.254", RefusalReason.METADATA_ADDRESS),
    ("64:ff9b::7f00:1", RefusalReason.LOOPBACK_ADDRESS),  # NAT64 of 127.0.0.1
    ("64:ff9b::a9fe:a9fe", RefusalReason.METADATA_ADDRESS),  # NAT64 of 169.254.169.254
    ("2002:c0a8:101::1", RefusalReason.PRIVATE_ADDRESS),  # 6to4 of 192.168.1.1
    ("::127.0.0.1", RefusalReason.RESERVED_ADDRESS),  # deprecated IPv4-compatible form
]


class TestRefusedAddresses:
    @pytest.mark.parametrize(("address", "reason"), ADDRESS_CASES)
    def test_resolved_address_is_refused(self, address: str, reason: RefusalReason) -> None:
        assert refusal("https://hooks.example.com/", PRODUCTION, address) is reason

    @pytest.mark.parametrize(
        ("literal", "reason"),
        [
            ("10.0.0.1", RefusalReason.PRIVATE_ADDRESS),
            ("169.254.169.254", RefusalReason.METADATA_ADDRESS),
            ("[::1]", RefusalReason.LOOPBACK_ADDRESS),
            ("[::ffff:127.0.0.1]", RefusalReason.LOOPBACK_ADDRESS),
            ("[::ffff:7f00:1]", RefusalReason.LOOPBACK_ADDRESS),
            ("[fd00:ec2::254]", RefusalReason.METADATA_ADDRESS),
            ("0.0.0.0", RefusalReason.UNSPECIFIED_ADDRESS),
            ("127.0.0.1.", RefusalReason.LOOPBACK_ADDRESS),
        ],
    )
    def test_ip_literal_in_the_url_is_refused(self, literal: str, reason: RefusalReason) -> None:
        assert refusal(f"https://{literal}/hook", PRODUCTION) is reason

    def test_one_bad_answer_among_good_ones_refuses(self) -> None:
        assert (
            refusal("https://a.example/", PRODUCTION, PUBLIC_V4, "10.0.0.7")
            is RefusalReason.PRIVATE_ADDRESS
        )

    def test_classify_public_address(self) -> None:
        assert classify_address(ipaddress.ip_address(PUBLIC_V4)) is None
        assert classify_address(ipaddress.ip_address(PUBLIC_V6)) is None
        assert classify_address(ipaddress.ip_address("::ffff:" + PUBLIC_V4)) is None


class TestNumericHostTricks:
    @pytest.mark.parametrize(
        "host",
        [
            "2130706433",  # decimal 127.0.0.1
            "017700000001",  # octal 127.0.0.1
            "0x7f000001",  # hex 127.0.0.1
            "0x7f.1",  # mixed hex, two parts
            "127.1",  # short form accepted by inet_aton
            "1.2.3",
            "0xa9.0xfe.0xa9.0xfe",  # hex 169.254.169.254
            "example.123",  # last label numeric: browsers would parse it as IPv4
        ],
    )
    def test_ambiguous_numeric_hosts_are_refused_before_dns(self, host: str) -> None:
        resolver = FakeResolver(PUBLIC_V4)
        with pytest.raises(EgressRefused) as info:
            vet_url(f"https://{host}/", PRODUCTION, resolver)
        assert info.value.reason is RefusalReason.AMBIGUOUS_IP_LITERAL
        assert resolver.calls == []

    @pytest.mark.parametrize("host", ["0177.0.0.1", "010.0.0.1", "127.000.0.1"])
    def test_leading_zero_dotted_quads_are_refused(self, host: str) -> None:
        # httpx itself rejects some of these as invalid URLs; either way nothing is called.
        assert refusal(f"https://{host}/") in {
            RefusalReason.INVALID_URL,
            RefusalReason.AMBIGUOUS_IP_LITERAL,
        }


class TestUrlRules:
    @pytest.mark.parametrize(
        "url",
        [
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "ws://hooks.example.com/",
            "file:///etc/passwd",
            "gopher://hooks.example.com/",
        ],
    )
    def test_only_https_in_production(self, url: str) -> None:
        assert refusal(url) is RefusalReason.SCHEME_NOT_ALLOWED

    @pytest.mark.parametrize(
        "url",
        [
            "https://user:pw@hooks.example.com/",
            "https://user@hooks.example.com/",
            "https://hooks.example.com\\@evil.example/",
        ],
    )
    def test_userinfo_is_refused(self, url: str) -> None:
        assert refusal(url) is RefusalReason.USERINFO_NOT_ALLOWED

    @pytest.mark.parametrize("url", ["https:///hook", "https://:443/hook"])
    def test_host_is_required(self, url: str) -> None:
        assert refusal(url) is RefusalReason.HOST_MISSING

    @pytest.mark.parametrize(
        "url", ["", "hooks.example.com/path", "/relative", "https://[::1/", "https://exa mple.com/"]
    )
    def test_unparseable_urls(self, url: str) -> None:
        assert refusal(url) in {RefusalReason.INVALID_URL, RefusalReason.INVALID_HOST}

    def test_non_string_url(self) -> None:
        with pytest.raises(EgressRefused) as info:
            check_url(None, PRODUCTION)  # type: ignore[arg-type]
        assert info.value.reason is RefusalReason.INVALID_URL

    @pytest.mark.parametrize(
        "url", ["https://-bad.example/", "https://a..b.example/", f"https://{'a' * 64}.example/"]
    )
    def test_malformed_host_names(self, url: str) -> None:
        assert refusal(url) in {RefusalReason.INVALID_HOST, RefusalReason.INVALID_URL}

    def test_ipv6_zone_ids_are_refused(self) -> None:
        assert refusal("https://[fe80::1%25eth0]/") is RefusalReason.INVALID_HOST

    @pytest.mark.parametrize("port", [1, 22, 25, 0, 1023, 65536, 99999])
    def test_privileged_or_invalid_ports_are_refused(self, port: int) -> None:
        assert refusal(f"https://hooks.example.com:{port}/") is RefusalReason.PORT_NOT_ALLOWED

    @pytest.mark.parametrize("port", [80, 443, 1024, 8080, 8443, 65535])
    def test_usual_ports_are_allowed(self, port: int) -> None:
        vet_url(f"https://hooks.example.com:{port}/", PRODUCTION, FakeResolver(PUBLIC_V4))

    def test_port_setting_replaces_the_default_rule(self) -> None:
        policy = EgressPolicy(allowed_ports=frozenset({443}))
        assert refusal("https://a.example:8443/", policy) is RefusalReason.PORT_NOT_ALLOWED
        vet_url("https://a.example/", policy, FakeResolver(PUBLIC_V4))

    @pytest.mark.parametrize(
        "host", ["metadata.google.internal", "METADATA.google.internal.", "metadata"]
    )
    def test_metadata_host_names_are_refused_before_dns(self, host: str) -> None:
        resolver = FakeResolver(PUBLIC_V4)
        with pytest.raises(EgressRefused) as info:
            vet_url(f"https://{host}/computeMetadata/v1/", DEVELOPMENT, resolver)
        assert info.value.reason is RefusalReason.METADATA_ADDRESS
        assert resolver.calls == []

    @pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "api.localhost"])
    def test_localhost_names_are_loopback_in_production(self, host: str) -> None:
        resolver = FakeResolver(PUBLIC_V4)
        with pytest.raises(EgressRefused) as info:
            vet_url(f"https://{host}/", PRODUCTION, resolver)
        assert info.value.reason is RefusalReason.LOOPBACK_ADDRESS
        assert resolver.calls == []

    def test_check_url_needs_no_dns(self) -> None:
        checked = check_url("https://hooks.example.com:8443/a?b=c", PRODUCTION)
        assert (checked.scheme, checked.host, checked.port) == ("https", "hooks.example.com", 8443)
        assert checked.ip_literal is None

    @pytest.mark.parametrize(
        "url",
        [
            "https://user:s3cr3t@10.9.8.7/pr1vate-path?token=t0k3n",
            "https://10.9.8.7/pr1vate-path?token=t0k3n&s3cr3t",
            "http://10.9.8.7/pr1vate-path?token=t0k3n&s3cr3t",
        ],
    )
    def test_refusal_never_echoes_the_url(self, url: str) -> None:
        with pytest.raises(EgressRefused) as info:
            vet_url(url, PRODUCTION, FakeResolver())
        text = str(info.value) + repr(info.value)
        for fragment in ("s3cr3t", "t0k3n", "10.9.8.7", "pr1vate-path"):
            assert fragment not in text

    def test_repr_of_a_target_hides_the_path_and_query(self) -> None:
        target = vet_url("https://a.example/hook?token=t0k3n", PRODUCTION, FakeResolver(PUBLIC_V4))
        assert "t0k3n" not in repr(target)


class TestDns:
    def test_resolution_failure(self) -> None:
        def failing(host: str, port: int) -> Sequence[str]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

        with pytest.raises(EgressRefused) as info:
            vet_url("https://nowhere.example/", PRODUCTION, failing)
        assert info.value.reason is RefusalReason.DNS_RESOLUTION_FAILED

    @pytest.mark.parametrize("answers", [(), ("not-an-ip",)])
    def test_empty_or_garbage_answers(self, answers: tuple[str, ...]) -> None:
        with pytest.raises(EgressRefused) as info:
            vet_url("https://a.example/", PRODUCTION, FakeResolver(*answers))
        assert info.value.reason is RefusalReason.DNS_RESOLUTION_FAILED

    def test_system_resolver_handles_literals_without_network(self) -> None:
        assert system_resolver("127.0.0.1", 80) == ["127.0.0.1"]


class TestDevelopmentMode:
    def test_http_to_loopback_is_allowed(self) -> None:
        target = vet_url("http://127.0.0.1:8080/hook", DEVELOPMENT, FakeResolver())
        assert target.connect_url == "http://127.0.0.1:8080/hook"
        assert target.sni_hostname is None

    def test_localhost_through_the_system_resolver(self) -> None:
        target = vet_url("http://localhost:8080/hook", DEVELOPMENT)
        assert target.address.is_loopback
        assert target.host_header == "localhost:8080"

    def test_http_to_a_public_address_is_still_refused(self) -> None:
        assert (
            refusal("http://a.example/", DEVELOPMENT, PUBLIC_V4) is RefusalReason.SCHEME_NOT_ALLOWED
        )

    def test_private_addresses_stay_refused(self) -> None:
        assert refusal("https://a.example/", DEVELOPMENT, "192.168.0.5") is (
            RefusalReason.PRIVATE_ADDRESS
        )

    def test_https_to_loopback_is_allowed(self) -> None:
        target = vet_url("https://hooks.test/", DEVELOPMENT, FakeResolver("127.0.0.1"))
        assert target.sni_hostname == "hooks.test"


class TestAllowList:
    POLICY = EgressPolicy.from_allow_list(
        ["10.1.0.0/16", "fd00:1::/32", "ehr.clinic.internal", "192.168.7.7"]
    )

    def test_allowed_network_admits_its_addresses_only(self) -> None:
        vet_url("https://ehr.example/", self.POLICY, FakeResolver("10.1.2.3"))
        vet_url("https://ehr.example/", self.POLICY, FakeResolver("fd00:1::5"))
        vet_url("https://192.168.7.7/", self.POLICY, FakeResolver())
        assert refusal("https://ehr.example/", self.POLICY, "10.2.0.1") is (
            RefusalReason.PRIVATE_ADDRESS
        )

    def test_allowed_host_admits_whatever_it_resolves_to(self) -> None:
        vet_url("https://EHR.clinic.internal./x", self.POLICY, FakeResolver("192.168.50.1"))

    def test_metadata_is_never_allowed(self) -> None:
        policy = EgressPolicy.from_allow_list(["169.254.0.0/16", "fd00::/8", "imds.example"])
        assert refusal("https://a.example/", policy, "fd00:ec2::254%eth0") is (
            RefusalReason.METADATA_ADDRESS
        )
        assert refusal("https://a.example/", policy, "169.254.169.254") is (
            RefusalReason.METADATA_ADDRESS
        )
        assert refusal("https://imds.example/", policy, "169.254.169.254") is (
            RefusalReason.METADATA_ADDRESS
        )

    def test_allow_list_does_not_relax_the_scheme(self) -> None:
        assert refusal("http://ehr.clinic.internal/", self.POLICY, "10.1.0.9") is (
            RefusalReason.SCHEME_NOT_ALLOWED
        )

    @pytest.mark.parametrize(
        ("entries", "index"),
        [
            (["10.0.0.0/8", "bad host!"], 1),
            (["10.0.0.1/8"], 0),
            (["", "a.example"], 0),
            (["a.example", "b.example", 42], 2),
        ],
    )
    def test_bad_entries_are_reported_by_index(self, entries: list[str], index: int) -> None:
        with pytest.raises(ValueError, match=rf"\[{index}\]"):
            EgressPolicy.from_allow_list(entries)

    def test_bad_port_setting(self) -> None:
        with pytest.raises(ValueError, match="allowed_ports"):
            EgressPolicy.from_allow_list([], allowed_ports=[443, 70000])

    def test_settings_carry_through(self) -> None:
        policy = EgressPolicy.from_allow_list([], development_mode=True, allowed_ports=[8443])
        assert policy.development_mode
        assert policy.allowed_ports == frozenset({8443})
