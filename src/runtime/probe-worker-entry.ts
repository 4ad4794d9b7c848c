import { parentPort, workerData } from 'node:worker_threads';
import { runProbeWorker, type ProbeWorkerData } from './probe-worker.js';

// The probe worker thread's entry; bundled as dist/probe-worker.mjs next to dist/pflow.mjs.
if (parentPort === null) throw new Error('probe-worker-entry runs only as a worker thread');
runProbeWorker(parentPort, workerData as ProbeWorkerData);
