import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { PUBLIC_KEY, Role, ROLES_KEY } from '../../src/auth/roles';

export interface DeclaredRoute {
  method: string;
  /** The pattern as Express knows it, e.g. `/cases/:caseRef/consents`. */
  path: string;
  roles: Role[];
  isPublic: boolean;
}

/** Every route of every controller of the running app, with what it declares (from Nest's own metadata). */
export function declaredRoutes(app: INestApplication): DeclaredRoute[] {
  const reflector = new Reflector();
  const routes: DeclaredRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      const base = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const own = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const targets = [handler, controller];
        for (const prefix of base) {
          for (const suffix of own) {
            routes.push({
              method: RequestMethod[method],
              path: joinPath(prefix, suffix),
              roles: reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [],
              isPublic: reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets) === true,
            });
          }
        }
      }
    }
  }
  return routes;
}

/** What Express itself would answer: every `METHOD /path` registered on its router. */
export function expressRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  };
  return express.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route!.path}`)
      : [],
  );
}

function joinPath(prefix: string, suffix: string): string {
  const joined = `/${[prefix, suffix].join('/')}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}
