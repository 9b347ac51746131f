import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import {
  calendarYear,
  crossTabulate,
  Dimension,
  Granularity,
  StatisticsCase,
  StatisticsTable,
} from './statistics';

export interface StatisticsQuery {
  rows: Dimension;
  columns: Dimension | null;
  granularity: Granularity;
  from: Date | null;
  to: Date;
}

export type StatisticsResult = StatisticsTable & {
  node: string;
  from: string;
  to: string;
  granularity: Granularity;
};

/**
 * Anonymised statistics (docs/indicators.md): the cases opened in one calendar year, counted by two dimensions from
 * the case rows' clear columns (nothing decrypted), every small count suppressed before it is returned.
 */
@Injectable()
export class StatisticsService {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
  ) {}

  async compute(asked: StatisticsQuery): Promise<StatisticsResult> {
    const query = { ...asked, ...calendarYear(asked.from, asked.to) };
    const rows = (await this.dataSource.query(
      `SELECT opened_at AS "openedAt", ARRAY(SELECT jsonb_object_keys(phases)) AS sops, countries,
              exploitation_types AS "exploitationTypes", sex, age_band AS "ageBand"
         FROM cases WHERE opened_at >= $1 AND opened_at < $2`,
      [query.from, query.to],
    )) as StatisticsCase[];
    const table = crossTabulate(rows, { ...query, threshold: this.config.statisticsMinCell });
    return {
      node: this.config.country,
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      granularity: query.granularity,
      ...table,
    };
  }
}
