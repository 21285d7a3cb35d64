import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { CaptureEntity } from '../entities/capture.entity';

@Injectable()
export class CaptureRepository {
  constructor(@InjectRepository(CaptureEntity) private readonly captures: Repository<CaptureEntity>) {}

  findById(id: string): Promise<CaptureEntity | null> {
    return this.captures.findOneBy({ id });
  }

  findByIds(ids: string[]): Promise<CaptureEntity[]> {
    return this.captures.findBy({ id: In(ids) });
  }

  findBySha256(sha256: string): Promise<CaptureEntity | null> {
    return this.captures.findOneBy({ sha256 });
  }

  list(limit: number, offset: number): Promise<[CaptureEntity[], number]> {
    return this.captures.findAndCount({ order: { createdAt: 'DESC' }, take: limit, skip: offset });
  }

  /** Ids of the models trained, or being trained, on the capture. */
  async modelsUsing(captureId: string): Promise<string[]> {
    const rows: { id: string }[] = await this.captures.query(
      'SELECT DISTINCT "modelId" AS id FROM model_versions WHERE $1 = ANY("captureIds") ORDER BY id',
      [captureId],
    );
    return rows.map((row) => row.id);
  }

  async delete(id: string): Promise<void> {
    await this.captures.delete({ id });
  }

  /** Inserts the capture, or returns the row that a concurrent upload of the same bytes inserted first. */
  async insertOrGet(
    capture: Omit<CaptureEntity, 'id' | 'createdAt'>,
  ): Promise<{ capture: CaptureEntity; created: boolean }> {
    const result = await this.captures
      .createQueryBuilder()
      .insert()
      .values(capture)
      .orIgnore()
      .returning('id')
      .execute();

    const inserted = result.identifiers.length > 0 && result.identifiers[0]?.id !== undefined;
    const row = await this.captures.findOneByOrFail({ sha256: capture.sha256 });
    return { capture: row, created: inserted };
  }
}
