import { Injectable, Logger } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { DomainError } from '../common/domain-error';
import { ModelRepository } from '../models/model.repository';
import { DEFAULT_MODEL_DEFINITION } from '../models/model-settings.dto';
import { ModelsService, ShownModel } from '../models/models.service';
import { VectorIndexRepository } from '../similarity/vector-index.repository';
import { VocabularyRepository } from '../training/vocabulary.repository';
import { VocabularyEntry } from '../training/vocabulary';
import { formatEntry, formatHeader, Word2VecFormat, Word2VecFormatError, Word2VecReader } from './word2vec-format';

/** Tokens read from PostgreSQL per query while exporting. */
const EXPORT_PAGE = 10_000;
/** Largest vector size accepted on import, the same as the trainer's. */
const MAX_IMPORT_VECTOR_SIZE = 1000;
/** Largest import in float32 values (512 MiB of vectors), so one request cannot exhaust the API's memory. */
const MAX_IMPORT_VALUES = 2 ** 27;

export interface VectorExport {
  fileName: string;
  contentType: string;
  stream: Readable;
}

/** Moves model vectors in and out in the word2vec formats that word2vec.c and gensim read and write. */
@Injectable()
export class InterchangeService {
  private readonly logger = new Logger(InterchangeService.name);

  constructor(
    private readonly modelsService: ModelsService,
    private readonly models: ModelRepository,
    private readonly vocabularies: VocabularyRepository,
    private readonly vectorIndexes: VectorIndexRepository,
    private readonly artifacts: ArtifactRepository,
  ) {}

  /**
   * Streams a ready version's vectors in token id order (count descending), page by page, so memory stays flat
   * whatever the vocabulary size.
   */
  async exportVectors(modelId: string, format: Word2VecFormat, version?: number): Promise<VectorExport> {
    const serving = await this.modelsService.resolveServingVersion(modelId, version);
    const vocabularySize = serving.vocabularySize!;
    const vectorSize = serving.definition.trainer.vectorSize;
    const vectorsPath = this.artifacts.vectorsPath(serving.id);
    const { vocabularies, artifacts } = this;

    async function* entries(): AsyncGenerator<Buffer> {
      yield Buffer.from(formatHeader(vocabularySize, vectorSize));
      for (let first = 0; first < vocabularySize; first += EXPORT_PAGE) {
        const tokens = await vocabularies.readPage(serving.id, first, EXPORT_PAGE);
        const bytes = await artifacts.readRange(vectorsPath, first * vectorSize * 4, tokens.length * vectorSize * 4);
        const vectors = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        const page = tokens.map(({ token }, i) =>
          formatEntry(format, token, vectors.subarray(i * vectorSize, (i + 1) * vectorSize)),
        );
        yield Buffer.concat(page);
      }
    }

    const extension = format === 'binary' ? 'bin' : 'txt';
    return {
      fileName: `${serving.modelId}-v${serving.version}.${extension}`,
      contentType: format === 'binary' ? 'application/octet-stream' : 'text/plain; charset=utf-8',
      stream: Readable.from(entries()),
    };
  }

  /**
   * Creates a ready model from a word2vec file. Its vectors and index are written first, and the model is marked
   * ready in the transaction that stores the vocabulary. On any failure nothing of it remains.
   * Imported tokens have count 0 and no labels, because word2vec files carry neither. The uploaded file is removed.
   */
  async importVectors(uploadPath: string, name: string, format?: Word2VecFormat): Promise<ShownModel> {
    let parsed: Awaited<ReturnType<typeof readWord2Vec>>;
    try {
      parsed = await readWord2Vec(this.artifacts.openRead(uploadPath), format);
    } finally {
      await this.artifacts.remove(uploadPath);
    }

    const { tokens, vectors, vectorSize } = parsed;
    const definition = {
      ...DEFAULT_MODEL_DEFINITION,
      trainer: { ...DEFAULT_MODEL_DEFINITION.trainer, vectorSize },
    };
    const { model, version } = await this.models.createImported(name, definition);

    try {
      await mkdir(this.artifacts.modelDir(version.id), { recursive: true });
      await this.artifacts.writeAtomically(this.artifacts.vectorsPath(version.id), (path) =>
        writeFile(path, new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength)),
      );
      const index = await this.vectorIndexes.build(vectors, vectorSize, definition.trainer.seed);
      await this.artifacts.writeAtomically(this.artifacts.indexPath(version.id), (path) => index.writeTo(path));

      const entries: VocabularyEntry[] = tokens.map((token) => ({
        token,
        count: 0,
        labelCounts: {},
        labelClass: 'Background',
      }));
      await this.vocabularies.transaction(async (manager) => {
        await this.vocabularies.copyInto(manager, version.id, entries);
        await this.models.transitionVersion(manager, version.id, ['training'], {
          status: 'ready',
          vocabularySize: tokens.length,
          readyAt: new Date(),
        });
      });
    } catch (error) {
      await this.artifacts.remove(this.artifacts.modelDir(version.id));
      await this.models.deleteVersion(version.id);
      throw error;
    }

    this.logger.log(`Imported model ${model.id}: ${tokens.length} tokens of ${vectorSize} dimensions`);
    return this.modelsService.get(model.id);
  }
}

async function readWord2Vec(chunks: AsyncIterable<Buffer>, format?: Word2VecFormat) {
  const tokens: string[] = [];
  const seen = new Set<string>();
  let vectors = new Float32Array(0);
  let vectorSize = 0;

  const reader = new Word2VecReader(
    format,
    (header) => {
      vectorSize = header.vectorSize;
      if (header.vocabularySize < 1 || vectorSize < 1 || vectorSize > MAX_IMPORT_VECTOR_SIZE) {
        throw new Word2VecFormatError(
          `The header announces ${header.vocabularySize} tokens of ${vectorSize} dimensions; ` +
            `expected at least 1 token and 1 to ${MAX_IMPORT_VECTOR_SIZE} dimensions`,
        );
      }
      if (header.vocabularySize * vectorSize > MAX_IMPORT_VALUES) {
        throw new Word2VecFormatError(
          `The file contains ${header.vocabularySize * vectorSize} values; the maximum import is ${MAX_IMPORT_VALUES}`,
        );
      }
      vectors = new Float32Array(header.vocabularySize * vectorSize);
    },
    (token, vector, index) => {
      if (seen.has(token)) {
        throw new Word2VecFormatError(`Token "${token}" occurs twice (entry ${index + 1})`);
      }
      seen.add(token);
      tokens.push(token);
      vectors.set(vector, index * vectorSize);
    },
  );

  try {
    for await (const chunk of chunks) {
      reader.push(chunk);
    }
    reader.end();
  } catch (error) {
    if (error instanceof Word2VecFormatError) {
      // A format named by the client that does not match the file fails in ways that hide the cause.
      const hint = format ? ` (read as format=${format}; leave format out to detect it from the file)` : '';
      throw new DomainError('VECTORS_UNREADABLE', `Not a readable word2vec file: ${error.message}${hint}`);
    }
    throw error;
  }

  return { tokens, vectors, vectorSize };
}
