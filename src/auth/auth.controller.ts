import { Body, Controller, Get, HttpCode, Post, SetMetadata } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { LoginService } from './login.service';
import { LoginDto, PrincipalView, TokenView } from './auth.dto';
import { CurrentPrincipal } from './principal';
import { LOGIN_ROUTE_KEY } from './rate-limit.guard';
import { Principal, Public, Roles, ROLES } from './roles';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly logins: LoginService) {}

  @Post('token')
  @ApiOperation({ summary: 'log in: a short-lived access token' })
  @Public()
  @SetMetadata(LOGIN_ROUTE_KEY, true)
  @HttpCode(200)
  @ApiOkResponse({ type: TokenView })
  @ApiUnauthorizedResponse({ description: 'unknown name, wrong password, locked or disabled: one answer' })
  async token(@Body() body: LoginDto): Promise<TokenView> {
    return this.logins.login(body.name, body.password);
  }

  @Get('me')
  @ApiOperation({ summary: 'who the caller is' })
  @Roles(...ROLES)
  @ApiOkResponse({ type: PrincipalView })
  me(@CurrentPrincipal() principal: Principal): PrincipalView {
    return principal;
  }
}
