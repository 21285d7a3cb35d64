/**
 * The word2vec file formats, as written by word2vec.c and read and written by gensim's
 * `KeyedVectors.load_word2vec_format` / `save_word2vec_format`:
 * - a header line `<vocabulary size> <vector size>\n`;
 * - text: one line per token, `<token> <v1> <v2> …\n`;
 * - binary: per token `<token> ` followed by vector size float32 values, little-endian, then `\n`. gensim 4 leaves out
 *   that newline, so the reader skips whitespace before each token instead of expecting it.
 */
export type Word2VecFormat = 'text' | 'binary';

export class Word2VecFormatError extends Error {}

/** Formats the header line of a word2vec file. */
export function formatHeader(vocabularySize: number, vectorSize: number): string {
  return `${vocabularySize} ${vectorSize}\n`;
}

/** Formats one token's entry. Text values are written in the shortest decimal form that reads back as the same float32. */
export function formatEntry(format: Word2VecFormat, token: string, vector: Float32Array): Buffer {
  if (format === 'binary') {
    const bytes = Buffer.alloc(vector.length * 4);
    for (let i = 0; i < vector.length; i++) {
      bytes.writeFloatLE(vector[i], i * 4);
    }
    return Buffer.concat([Buffer.from(`${token} `, 'utf8'), bytes, Buffer.from('\n')]);
  }

  let line = token;
  for (let i = 0; i < vector.length; i++) {
    line += ` ${formatFloat32(vector[i])}`;
  }
  return Buffer.from(`${line}\n`, 'utf8');
}

/** Formats the shortest decimal that rounds to `value` as a float32; 9 significant digits always suffice. */
export function formatFloat32(value: number): string {
  if (value === 0) {
    return Object.is(value, -0) ? '-0' : '0';
  }

  for (let precision = 6; precision < 9; precision++) {
    const text = String(parseFloat(value.toPrecision(precision)));
    if (Math.fround(Number(text)) === value) {
      return text;
    }
  }
  return String(parseFloat(value.toPrecision(9)));
}

export interface Word2VecHeader {
  vocabularySize: number;
  vectorSize: number;
}

/** Bytes that never occur in a text-format file after its header; one of them means the file is binary. */
function looksBinary(bytes: Buffer): boolean {
  return bytes.some((byte) => byte < 0x09 || (byte > 0x0d && byte < 0x20) || byte === 0x7f);
}

/**
 * Reads a word2vec file from chunks of bytes. `onHeader` is called once, then `onEntry` for every token in file
 * order. The format is detected from the bytes after the header unless given. Errors name the entry and the cause.
 */
export class Word2VecReader {
  private buffer: Buffer = Buffer.alloc(0);
  private header: Word2VecHeader | null = null;
  private entries = 0;

  constructor(
    private format: Word2VecFormat | undefined,
    private readonly onHeader: (header: Word2VecHeader) => void,
    private readonly onEntry: (token: string, vector: Float32Array, index: number) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.drain(false);
  }

  /** Reads what is left and checks that the file held as many entries as its header announced. */
  end(): Word2VecHeader {
    this.drain(true);
    if (!this.header) {
      throw new Word2VecFormatError('The file is empty; expected a header line "<vocabulary size> <vector size>"');
    }

    if (this.buffer.toString('utf8').trim() !== '' || this.entries !== this.header.vocabularySize) {
      throw new Word2VecFormatError(
        `The header announces ${this.header.vocabularySize} tokens but the file contains ${this.entries} complete entries`,
      );
    }
    return this.header;
  }

  private drain(final: boolean): void {
    if (!this.header && !this.readHeader()) {
      return;
    }

    if (!this.format) {
      if (this.buffer.length < 4096 && !final) {
        return;
      }
      this.format = looksBinary(this.buffer.subarray(0, 4096)) ? 'binary' : 'text';
    }

    while (this.entries < this.header!.vocabularySize) {
      const consumed = this.format === 'binary' ? this.readBinaryEntry() : this.readTextEntry(final);
      if (!consumed) {
        return;
      }
    }
  }

  private readHeader(): boolean {
    const newline = this.buffer.indexOf(0x0a);
    if (newline < 0) {
      if (this.buffer.length > 100) {
        throw new Word2VecFormatError('The first line is not a word2vec header "<vocabulary size> <vector size>"');
      }
      return false;
    }

    const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(this.buffer.subarray(0, newline).toString('latin1'));
    if (!match) {
      throw new Word2VecFormatError('The first line is not a word2vec header "<vocabulary size> <vector size>"');
    }

    this.header = { vocabularySize: Number(match[1]), vectorSize: Number(match[2]) };
    this.onHeader(this.header);
    this.buffer = this.buffer.subarray(newline + 1);
    return true;
  }

  private readTextEntry(final: boolean): boolean {
    let newline = this.buffer.indexOf(0x0a);
    if (newline < 0) {
      if (!final || this.buffer.length === 0) {
        return false;
      }
      newline = this.buffer.length;
    }

    const line = this.buffer.subarray(0, newline).toString('utf8').trim();
    this.buffer = this.buffer.subarray(Math.min(newline + 1, this.buffer.length));
    if (line === '') {
      return true;
    }

    const fields = line.split(/\s+/);
    const { vectorSize } = this.header!;
    if (fields.length !== vectorSize + 1) {
      throw new Word2VecFormatError(
        `Entry ${this.entries + 1} ("${fields[0]}") has ${fields.length - 1} values; the header announces ${vectorSize}`,
      );
    }

    const vector = new Float32Array(vectorSize);
    for (let i = 0; i < vectorSize; i++) {
      const value = Number(fields[i + 1]);
      if (!Number.isFinite(value)) {
        throw new Word2VecFormatError(
          `Entry ${this.entries + 1} ("${fields[0]}") has a value that is not a number: ${fields[i + 1]}`,
        );
      }
      vector[i] = value;
    }

    this.onEntry(fields[0], vector, this.entries++);
    return true;
  }

  private readBinaryEntry(): boolean {
    let start = 0;
    while (start < this.buffer.length && (this.buffer[start] === 0x0a || this.buffer[start] === 0x20)) {
      start++;
    }

    const space = this.buffer.indexOf(0x20, start);
    const vectorBytes = this.header!.vectorSize * 4;
    if (space < 0 || this.buffer.length < space + 1 + vectorBytes) {
      if (space < 0 && this.buffer.length - start > 10_000) {
        throw new Word2VecFormatError(`Entry ${this.entries + 1} has no space after its token within 10,000 bytes`);
      }
      return false;
    }

    const token = this.buffer.subarray(start, space).toString('utf8');
    const vector = new Float32Array(this.header!.vectorSize);
    for (let i = 0; i < vector.length; i++) {
      vector[i] = this.buffer.readFloatLE(space + 1 + i * 4);
    }

    this.buffer = this.buffer.subarray(space + 1 + vectorBytes);
    this.onEntry(token, vector, this.entries++);
    return true;
  }
}
