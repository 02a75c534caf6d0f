// SPDX-License-Identifier: MIT
// Makes collector/web/world.json, the page's base map: Natural Earth's land and country borders
// at 1:110m (world-atlas, ISC; the data is public domain) drawn with d3-geo in the
// equirectangular projection the page uses (x = longitude + 180, y = 90 - latitude, in a 360 x
// 180 box), as SVG path strings. Run by hand when the map should change, never at build or run
// time (the collector fetches nothing):
//   npm install --prefix /tmp/world-map world-atlas@2 topojson-client@3 d3-geo@3
//   NODE_PATH=/tmp/world-map/node_modules node scripts/make-world-map.mjs > collector/web/world.json
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH ?? ".", "x.js"));
const { geoEquirectangular, geoPath } = require("d3-geo");
const { feature, mesh } = require("topojson-client");
const countries = require("world-atlas/countries-110m.json");
const atlas = require("world-atlas/package.json");

const projection = geoEquirectangular().scale(180 / Math.PI).translate([180, 90]).precision(0.1);
const draw = geoPath(projection).digits(1);
const land = draw(feature(countries, countries.objects.land));
const borders = draw(mesh(countries, countries.objects.countries, (a, b) => a !== b));
process.stdout.write(JSON.stringify({
  source: `Natural Earth 1:110m land and borders (public domain), from world-atlas ${atlas.version} (ISC)`,
  projection: "equirectangular: x = longitude + 180, y = 90 - latitude",
  width: 360,
  height: 180,
  land,
  borders,
}) + "\n");
