// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Parses LogQL queries with Grafana's own grammar (@grafana/lezer-logql),
// the one Grafana's query editor uses. Reads a JSON array of queries on
// stdin and writes, for each, the syntax errors it holds and the string
// literals it parsed, so that a Go test can check both.
import { parser } from '@grafana/lezer-logql';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const queries = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const results = queries.map((query) => {
  const tree = parser.parse(query);
  const errors = [];
  const strings = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        errors.push(`syntax error at ${node.from}: ${JSON.stringify(query.slice(Math.max(0, node.from - 20), node.to + 20))}`);
      }
      if (node.name === 'String') {
        strings.push(query.slice(node.from, node.to));
      }
    },
  });
  return { query, errors, strings, top: tree.topNode.firstChild ? tree.topNode.firstChild.name : '' };
});
process.stdout.write(JSON.stringify(results));
