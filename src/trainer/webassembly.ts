/**
 * Types for the parts of the WebAssembly JavaScript API that the trainer uses. The project compiles with the
 * ES2022 lib and @types/node 20, neither of which declares the `WebAssembly` global.
 */

/** A shared `WebAssembly.Memory`. Its buffer is one SharedArrayBuffer mapped by every thread. */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}

/** A compiled `WebAssembly.Module`, which can be posted to worker threads. */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  compile(bytes: Uint8Array): Promise<WasmModule>;
}

export const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
