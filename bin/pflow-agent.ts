import { Command } from 'commander';
import { AGENT_VERSION } from '../src/agent/agent.js';
import { registerAgentCheck } from '../src/cli/agent-check.js';
import { registerAgentCommands } from '../src/cli/agent-commands.js';
import { registerAgentInstall } from '../src/cli/agent-install.js';

// The agent's own entry point (the single-file bundle of npm run build:agent): only the agent
// commands, so the bundle carries no SQLite, AWS SDK or web console.
const program = new Command('pflow-agent').version(AGENT_VERSION).showHelpAfterError();
const out = {
  stdout: (text: string) => process.stdout.write(text),
  stderr: (text: string) => process.stderr.write(text),
};
const exitWith = (code: number): void => {
  process.exitCode = code;
};
const agent = registerAgentCommands(program, out);
registerAgentCheck(agent, out, exitWith);
registerAgentInstall(agent, out, exitWith);
await program.parseAsync(process.argv);
