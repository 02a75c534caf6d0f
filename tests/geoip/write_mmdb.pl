#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# Writes a small MaxMind DB (.mmdb) file for the tests, with Debian's
# libmaxmind-db-writer-perl: the tests build their GeoIP database themselves instead of
# shipping someone else's.
# Usage: write_mmdb.pl OUT.mmdb DATABASE_TYPE ENTRIES.json [flat|nested]
#   ENTRIES.json: {"198.18.1.2/32": {"country": {"iso_code": "DE"}, ...}, ...}
# Reserved networks are kept (the lab's 198.18.0.0/15 and 2001:db8::/32 are reserved), and
# IPv4 entries are reachable from IPv4 lookups as libmaxminddb does them.
use strict;
use warnings;
use JSON::PP;
use MaxMind::DB::Writer::Tree;

my ($out, $type, $entries_file, $layout) = @ARGV;
die "usage: write_mmdb.pl OUT.mmdb DATABASE_TYPE ENTRIES.json\n" unless defined $entries_file;

open(my $in, '<', $entries_file) or die "cannot read $entries_file: $!\n";
my $entries = JSON::PP->new->decode(do { local $/; <$in> });
close $in;

# The MaxMind DB type of each key, as the City, Country, ASN and IPinfo Lite files use them.
my %types = (
    latitude => 'double', longitude => 'double',
    accuracy_radius => 'uint16', autonomous_system_number => 'uint32', geoname_id => 'uint32',
    country => 'map', city => 'map', location => 'map', names => 'map', continent => 'map',
);
# IPinfo's layout is flat unless told otherwise (other makers' types say nothing of it).
my $flat = defined $layout ? $layout eq 'flat' : $type =~ /ipinfo/i;

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6,
    record_size => 28,
    database_type => $type,
    languages => ['en'],
    description => { en => 'reverse-traceroute test database' },
    remove_reserved_networks => 0,
    map_key_type_callback => sub {
        my $key = shift;
        # IPinfo's layout is flat: its "country" and "city" are names, not maps.
        return 'utf8_string' if $flat;
        return $types{$key} // 'utf8_string';
    },
);
for my $network (sort keys %$entries) {
    $tree->insert_network($network, $entries->{$network});
}
open(my $fh, '>:raw', $out) or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh;
