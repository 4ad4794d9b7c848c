import { buildProgram } from '../src/cli/main.js';

await buildProgram().parseAsync(process.argv);
