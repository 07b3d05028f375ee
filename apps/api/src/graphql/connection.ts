import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { Type } from '@nestjs/common';
import type { Page } from '@portolan/persistence';

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;
  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: PageInfo;
  totalCount: number;
}

/** A connection costs its page size (at most 100) times what each node costs, so wide nested pages are priced honestly. */
export const listCost = ({ args, childComplexity }: { args: { first?: number }; childComplexity: number }): number => 1 + childComplexity * Math.min(args.first ?? 20, 100);

/** Relay connection type for a node type: edges { cursor node }, pageInfo, totalCount. */
export function Connection<T>(node: Type<T>, name: string): Type<ConnectionShape<T>> {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor!: string;
    @Field(() => node)
    node!: T;
  }
  @ObjectType(`${name}Connection`)
  class Conn {
    @Field(() => [Edge])
    edges!: Edge[];
    @Field(() => PageInfo)
    pageInfo!: PageInfo;
    @Field(() => Int)
    totalCount!: number;
  }
  return Conn as Type<ConnectionShape<T>>;
}

export function toConnection<T, N>(page: Page<T>, map: (t: T) => N, cursor: (t: T) => string): ConnectionShape<N> {
  return {
    edges: page.items.map((i) => ({ cursor: cursor(i), node: map(i) })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    totalCount: page.totalCount,
  };
}

export const MAX_PAGE = 100;
export function pageRequest(first: number | undefined, after: string | undefined | null): { first: number; after?: string } {
  const n = Math.max(1, Math.min(first ?? 20, MAX_PAGE));
  return after ? { first: n, after } : { first: n };
}
