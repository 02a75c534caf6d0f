#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# Writes a synthetic city database for bench/geoip_lookup.sh (no real one can be
# downloaded here): V4 random IPv4 /24 networks and V6 random IPv6 /32 networks in 2a00::/12,
# each with one of 5,000 city records in MaxMind's City layout (country, city, coordinates,
# accuracy radius), as real databases share records. Seeded, so every run writes the same file.
# Usage: geoip_bench_db.pl OUT.mmdb V4 V6
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out, $v4, $v6) = @ARGV;
die "usage: geoip_bench_db.pl OUT.mmdb V4 V6\n" unless defined $v6;
my %types = (latitude => 'double', longitude => 'double', accuracy_radius => 'uint16',
             country => 'map', city => 'map', location => 'map', names => 'map');
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 28, database_type => 'Synthetic-City', languages => ['en'],
    description => { en => 'reverse-traceroute bench: synthetic city database' },
    remove_reserved_networks => 0, map_key_type_callback => sub { $types{$_[0]} // 'utf8_string' });
srand(29);
my @records = map {
    { country => { iso_code => sprintf('%c%c', 65 + $_ % 26, 65 + int($_ / 26) % 26) },
      city => { names => { en => "City $_" } },
      location => { latitude => ($_ % 170) - 85 + 0.25, longitude => ($_ % 350) - 175 + 0.25,
                    accuracy_radius => 5 + $_ % 200 } }
} 0 .. 4999;
my %seen;
for (my $i = 0; $i < $v4;) {
    my $network = sprintf('%d.%d.%d.0/24', 1 + int(rand(223)), int(rand(256)), int(rand(256)));
    next if $seen{$network}++;
    $tree->insert_network($network, $records[$i++ % @records]);
}
for (my $i = 0; $i < $v6;) {
    my $network = sprintf('%x:%x::/32', 0x2a00 + int(rand(16)), int(rand(0x10000)));
    next if $seen{$network}++;
    $tree->insert_network($network, $records[$i++ % @records]);
}
open(my $fh, '>:raw', $out) or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh;
