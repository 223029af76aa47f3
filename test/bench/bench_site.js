// The monitor tests' local site in a process of its own (the benchmark measures page loads
// from it; serving from the measuring process would add its load to what is measured).
'use strict';
const m = require('../integration/lib/monitor_harness');

m.startSite().then((site) => console.log(site.url));
