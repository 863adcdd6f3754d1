// Fixed layout of low linear memory: the thread control block (int32 slots from CTL_OFFSET),
// the parameter record, then (from 8192, asconfig.json's memoryBase) the module's static data,
// then the heap.

export const CTL_OFFSET = 1024;
export const CTL_SLOTS = 16;
export const C_GEN = 0; // job generation; workers sleep until it changes
export const C_NEXT = 1; // next chunk to claim
export const C_ACK = 2; // workers done with the current job
export const C_TOTAL = 3; // chunks in the job
export const C_FN = 4; // kernel index
export const C_PARAMS = 5; // parameter record
export const C_SCRATCH = 6; // scratch of thread 0; thread t uses C_SCRATCH + t * C_STRIDE
export const C_STRIDE = 7;
export const C_EXIT = 8; // 1: workers leave their loop
export const C_ERROR = 9; // 1: a worker's kernel threw
export const C_ACTIVE = 10; // workers that take part (the rest stay asleep)

export const PARAMS_OFFSET = 4096;
export const PARAMS_BYTES = 4096;
export const HEAP_BASE = 65536;

/** Claimed-chunk sentinel: past any job's chunk count, so late claims find nothing. */
export const CLOSED = 0x3fffffff;

/** Elements per chunk of the elementwise kernels (assembly/elementwise.ts CHUNK). */
export const ELEMENT_CHUNK = 16384;
/** Most dims the n-d walkers take after collapsing (slots 8..15 of their records). */
export const MAX_RANK = 8;
