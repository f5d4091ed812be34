/**
 * Writes the synthesized example to deploy/cdk/rolecall-example.template.json (no cdk CLI, no AWS
 * account): `npm run synth:example`. test/example.test.ts fails when the file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { exampleTemplateText } from './example-app.ts';

export const EXAMPLE_TEMPLATE_PATH = new URL(
  '../../../deploy/cdk/rolecall-example.template.json',
  import.meta.url,
);

writeFileSync(EXAMPLE_TEMPLATE_PATH, exampleTemplateText());
console.log(`wrote ${EXAMPLE_TEMPLATE_PATH.pathname}`);
