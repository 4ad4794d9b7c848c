import { spawn, type ChildProcess } from 'node:child_process';

/** An HTTP target in a child process: its own event loop, so load in the test process cannot slow it. */
export interface TargetProcess {
  readonly url: string;
  readonly child: ChildProcess;
  close(): Promise<void>;
}

// A plain node:http server answering at once ("a target that answers in about 1 ms"); it closes each
// connection after the response, as a probe's `Connection: close` asks.
const TARGET_SOURCE = `
const http = require('node:http');
const server = http.createServer((request, response) => {
  response.setHeader('content-type', 'text/plain');
  response.end('service healthy\\n');
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.on('disconnect', () => process.exit(0));
`;

export async function startTargetProcess(): Promise<TargetProcess> {
  const child = spawn(process.execPath, ['-e', TARGET_SOURCE], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
    child.once('exit', (code) => reject(new Error(`target process exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/health`,
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
