import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { TokenEntity } from '../entities/token.entity';

@Injectable()
export class TokenRepository {
  constructor(@InjectRepository(TokenEntity) private readonly tokens: Repository<TokenEntity>) {}

  findByToken(modelId: string, token: string): Promise<TokenEntity | null> {
    return this.tokens.findOneBy({ modelId, token });
  }

  findByIds(modelId: string, tokenIds: number[]): Promise<TokenEntity[]> {
    return this.tokens.findBy({ modelId, tokenId: In(tokenIds) });
  }
}
