import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, ValidateBy } from 'class-validator';
import { Dimension, DIMENSIONS, Granularity, GRANULARITIES, withinOneYear } from './statistics';

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
    description: 'the export covers the calendar year of this instant (UTC); default: the year `to` ends in',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'the end (exclusive) of the period asked, within the year of `from`; the export covers that whole year; default: now',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  @ValidateBy({
    name: 'withinOneYear',
    validator: {
      validate: (value, args) => {
        const from = (args?.object as StatisticsQueryDto).from;
        return typeof value !== 'string' || !from || withinOneYear(new Date(from), new Date(value));
      },
      defaultMessage: () =>
        'an export covers one calendar year: from and to must lie in the same year (ask each year apart)',
    },
  })
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
  @ApiProperty({ format: 'date-time', description: 'the start of the calendar year counted' }) from!: string;
  @ApiProperty({ format: 'date-time', description: 'the end of that year (exclusive)' }) to!: string;
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
