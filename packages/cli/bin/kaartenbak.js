#!/usr/bin/env node
// The executable npm links; it exists before the build, so a fresh `npm ci` links it too.
import "../dist/bin.js";
