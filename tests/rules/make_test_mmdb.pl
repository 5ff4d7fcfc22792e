#!/usr/bin/perl
# Writes a small MaxMind DB (country data only) for the geoip tests and benchmarks:
#   /usr/bin/perl tests/rules/make_test_mmdb.pl OUT.mmdb [RANDOM_NETWORKS]
# Debian: libmaxmind-db-writer-perl. IPv4 networks live in the IPv6 tree, and
# ::ffff:0:0/96 is aliased to them (alias_ipv6_to_ipv4), as in MaxMind's databases.
#
#   1.0.0.0/24          country CN (registered CN)
#   5.8.0.0/16          country RU
#   198.51.100.0/24     country US, registered_country GB (country wins)
#   203.0.113.0/24      registered_country JP only (the fallback)
#   192.0.2.0/24        a record without any iso_code
#   2001:db8:cafe::/48  country CN
#   2001:db8:beef::/48  country DE
# Anything else (8.8.8.8, 2001:db8:1::1) is not in the database, unless RANDOM_NETWORKS
# (for benchmarks: a tree of realistic depth) adds that many random IPv4 /16-/24
# networks in 20.0.0.0-119.255.255.255 with random countries (fixed seed).
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

die "usage: $0 OUT.mmdb [RANDOM_NETWORKS]\n" unless @ARGV == 1 || @ARGV == 2;

my %types = (
    country            => 'map',
    registered_country => 'map',
    iso_code           => 'utf8_string',
    names              => 'map',
    en                 => 'utf8_string',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 6,
    record_size           => 24,
    database_type         => 'Warden-Test-Country',
    languages             => ['en'],
    description           => { en => 'Warden geoip test database' },
    map_key_type_callback => sub { $types{ $_[0] } },
    alias_ipv6_to_ipv4    => 1,
    # The test networks are documentation ranges, which the writer drops by default.
    remove_reserved_networks => 0,
);

srand(1);
my @countries = qw(CN RU US DE FR GB JP BR IN KR NL IT ES CA AU SE PL UA TR IR);
for (1 .. ($ARGV[1] // 0)) {
    my $prefix = 16 + int(rand(9));
    my $ip = (20 + int(rand(100))) * 2**24 + int(rand(2**24));
    $ip &= ~((1 << (32 - $prefix)) - 1) & 0xffffffff;
    my $network = join('.', map { ($ip >> (8 * $_)) & 255 } reverse 0 .. 3) . "/$prefix";
    $tree->insert_network($network,
        { country => { iso_code => $countries[ int(rand(@countries)) ] } });
}

$tree->insert_network('1.0.0.0/24',
    { country => { iso_code => 'CN' }, registered_country => { iso_code => 'CN' } });
$tree->insert_network('5.8.0.0/16', { country => { iso_code => 'RU' } });
$tree->insert_network('198.51.100.0/24',
    { country => { iso_code => 'US' }, registered_country => { iso_code => 'GB' } });
$tree->insert_network('203.0.113.0/24', { registered_country => { iso_code => 'JP' } });
$tree->insert_network('192.0.2.0/24', { country => { names => { en => 'Nowhere' } } });
$tree->insert_network('2001:db8:cafe::/48', { country => { iso_code => 'CN' } });
$tree->insert_network('2001:db8:beef::/48', { country => { iso_code => 'DE' } });

open my $out, '>:raw', $ARGV[0] or die "cannot write $ARGV[0]: $!\n";
$tree->write_tree($out);
close $out or die "cannot write $ARGV[0]: $!\n";
