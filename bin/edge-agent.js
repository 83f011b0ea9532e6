#!/usr/bin/env -S node --max-semi-space-size=2
// A small young generation: the agent allocates a payload buffer per message, and with V8's
// default semi-space (16 MB) the resident set grows by ~100 MB under load before scavenges free
// them. 2 MB keeps peak RSS near the idle figure for a few % more CPU (measured: npm run bench).
import "../dist/cli/main.js";
