import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, ValidateBy } from 'class-validator';
import { Dimension, DIMENSIONS, Granularity, GRANULARITIES } from './statistics';

export const STATISTICS_FORMATS = ['json', 'csv'] as const;

export class StatisticsQueryDto {
  @ApiProperty({ enum: DIMENSIONS, description: 'the dimension of the rows' })
  @IsIn(DIMENSIONS)
  rows!: Dimension;

  @ApiPropertyOptional({
    enum: DIMENSIONS,
    description: 'the dimension of the columns (another one); none: a count per row',
  })
  @IsOptional()
  @IsIn(DIMENSIONS)
  @ValidateBy({
    name: 'otherThanRows',
    validator: {
      validate: (value, args) => value !== (args?.object as StatisticsQueryDto).rows,
      defaultMessage: () => 'columns must be another dimension than rows',
    },
  })
  columns?: Dimension;

  @ApiPropertyOptional({ enum: GRANULARITIES, description: 'how `period` groups the cases; default YEAR' })
  @IsOptional()
  @IsIn(GRANULARITIES)
  granularity?: Granularity;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'cases opened from here (inclusive), back to the start of its period; default: the beginning',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'cases opened before this (exclusive), on to the end of its period; default: now',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({
    enum: STATISTICS_FORMATS,
    description: 'json (default) or csv (a suppressed count is `x`)',
  })
  @IsOptional()
  @IsIn(STATISTICS_FORMATS)
  format?: (typeof STATISTICS_FORMATS)[number];
}

export class StatisticsView {
  @ApiProperty({ description: 'this node' }) node!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) from!: string | null;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ enum: GRANULARITIES }) granularity!: string;
  @ApiProperty({ enum: DIMENSIONS }) rows!: string;
  @ApiProperty({ enum: DIMENSIONS, nullable: true, type: String }) columns!: string | null;
  @ApiProperty({ description: 'the small-cell threshold (TRM_STATISTICS_MIN_CELL)' }) threshold!: number;
  @ApiProperty({ type: [String] }) rowValues!: string[];
  @ApiProperty({ type: [String], description: '`ALL` for a count per row' }) columnValues!: string[];
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'integer', nullable: true } },
    description: 'cells[row][column]; null: suppressed',
  })
  cells!: Array<Array<number | null>>;
  @ApiProperty({ type: 'array', items: { type: 'integer', nullable: true }, description: 'null: suppressed' })
  rowTotals!: Array<number | null>;
  @ApiProperty({ type: 'array', items: { type: 'integer', nullable: true }, description: 'null: suppressed' })
  columnTotals!: Array<number | null>;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null: suppressed' }) grandTotal!:
    number | null;
}
