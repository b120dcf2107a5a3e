/**
 * Batch and queue: many interactions on a worker-thread pool (resumable, with a summary CSV), and a BullMQ
 * (Redis) adapter to spread them over machines.
 */
export { readManifest, parseCsvManifest, parseJsonlManifest, scanDirectory, FILE_KINDS, type Interaction, type InteractionFiles, type Manifest, type ManifestIssue, type FileKind } from './manifest.js';
export { analyzeBatch, createBatchPool, defaultConcurrency, workerFile, type BatchOptions, type BatchResult, type BatchPool, type PoolOptions } from './pool.js';
export { runTask, type BatchTask } from './task.js';
export { summaryCsv, summaryRow, signaturePath, errorPath, readDone, type SummaryRow, type RowStatus } from './output.js';
export { createWorker, enqueueManifest, checkJobData, jobIdFor, DEFAULT_QUEUE, type QueueJobData, type QueueConnection, type EnqueueOptions, type WorkerOptions, type QueueWorker, type WorkerEvent } from './queue.js';
