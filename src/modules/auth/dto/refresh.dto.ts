import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class RefreshDto {
  @ApiProperty({ description: 'The opaque refresh token of a login or an earlier refresh' })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  refreshToken: string;
}
