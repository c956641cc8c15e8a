"""Server names that point into the machine or its private network (Connect Your Mailbox refuses them)."""

from __future__ import annotations

import pytest

from crm_mailbox.mailflow.internal_hosts import internal_addresses, is_internal, system_resolve


@pytest.mark.parametrize(
	"address",
	[
		"127.0.0.1",
		"10.1.2.3",
		"172.16.0.5",
		"192.168.1.10",
		"169.254.169.254",  # cloud metadata
		"0.0.0.0",
		"100.64.0.1",  # carrier-grade NAT
		"::1",
		"fe80::1%eth0",
		"fd00::1",
		"::ffff:127.0.0.1",
		"not an address",
	],
)
def test_internal_addresses(address):
	assert is_internal(address)


@pytest.mark.parametrize("address", ["142.250.27.108", "2a00:1450:4001:82b::200e", "::ffff:8.8.8.8"])
def test_public_addresses(address):
	assert not is_internal(address)


def test_a_name_is_internal_when_any_of_its_addresses_is():
	zone = {"imap.example.com": ["142.250.27.108"], "split.example.com": ["142.250.27.108", "10.0.0.7"]}
	assert internal_addresses("imap.example.com", lambda h: zone[h]) == []
	assert internal_addresses("split.example.com", lambda h: zone[h]) == ["10.0.0.7"]


def test_the_system_resolver_on_loopback_names():
	assert internal_addresses("127.0.0.1") == ["127.0.0.1"]
	assert "127.0.0.1" in internal_addresses("localhost")
	assert system_resolve("no-such-host.invalid") == []
