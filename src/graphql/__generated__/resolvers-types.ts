import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { AppParent as AppParentModel, UserParent as UserParentModel, DeviceParent as DeviceParentModel } from '../mappers.js';
import type { GraphQLContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in time, serialised as an ISO-8601 string in UTC (for example `2026-01-16T09:30:00.000Z`). */
  DateTime: { input: Date; output: Date | string; }
  /** Arbitrary JSON: an object, array, string, number, boolean or null. */
  JSON: { input: unknown; output: unknown; }
};

/** The Passage application this server authenticates against. */
export type App = {
  __typename?: 'App';
  /** The Passage app id; tokens must name it in their `aud` claim. */
  id: Scalars['ID']['output'];
  /** The app's display name as configured in Passage. Null with an `UPSTREAM_UNAVAILABLE` error when Passage cannot be reached. */
  name: Maybe<Scalars['String']['output']>;
};

/** A user's role across the whole application, independent of any organization. */
export type AppRole =
  /** An application administrator: may manage every user. */
  | 'ADMIN'
  /** An ordinary user. */
  | 'USER';

/** A passkey or other WebAuthn credential registered to a user in Passage. */
export type Device = {
  __typename?: 'Device';
  /** When the credential was registered. */
  createdAt: Scalars['DateTime']['output'];
  /** A name the user or the browser gave the credential, such as "Chrome on Mac". */
  friendlyName: Scalars['String']['output'];
  /** The Passage device id. */
  id: Scalars['ID']['output'];
  /** The most recent sign-in with this credential; null when never used. */
  lastLoginAt: Maybe<Scalars['DateTime']['output']>;
  /** The kind of credential. */
  type: DeviceType;
  /** How many times the credential has been used to sign in. */
  usageCount: Scalars['Int']['output'];
};

/** The kind of WebAuthn credential. */
export type DeviceType =
  /** A type this server does not know yet. */
  | 'OTHER'
  /** A synced or device-bound passkey. */
  | 'PASSKEY'
  /** A platform authenticator built into the device. */
  | 'PLATFORM'
  /** A roaming hardware security key. */
  | 'SECURITY_KEY';

/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type Mutation = {
  __typename?: 'Mutation';
  /** Updates the signed-in user's own profile and returns it. */
  updateMe: User;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationUpdateMeArgs = {
  input: UpdateMeInput;
};

/** Where a page of a connection sits in the whole list. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last edge in this page; pass it as `after` to get the next page. Null for an empty page. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** True when another page follows this one. */
  hasNextPage: Scalars['Boolean']['output'];
  /** True when a page precedes this one. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** Cursor of the first edge in this page; null for an empty page. */
  startCursor: Maybe<Scalars['String']['output']>;
};

/** Read operations. Every field states who may call it. */
export type Query = {
  __typename?: 'Query';
  /** The Passage application behind this server. */
  app: App;
  /** The signed-in user, or null when the request carries no auth token. */
  me: Maybe<User>;
};

/** Changes a user may make to their own profile. */
export type UpdateMeInput = {
  /** The name to show; 1 to 100 characters after trimming. `null` clears it. */
  displayName?: InputMaybe<Scalars['String']['input']>;
};

/**
 * A person who signs in with Passage. Identity fields come from Passage; `displayName` and
 * `appRole` are kept by this server. Passage-backed fields are null, with an
 * `UPSTREAM_UNAVAILABLE` error at their path, when Passage cannot be reached.
 */
export type User = {
  __typename?: 'User';
  /** The user's application-wide role. `ADMIN` for users listed in `ADMIN_USER_IDS` or promoted by an admin. */
  appRole: AppRole;
  /** When the user was created in Passage. */
  createdAt: Maybe<Scalars['DateTime']['output']>;
  /** The passkeys and other WebAuthn credentials registered to this user. */
  devices: Maybe<Array<Device>>;
  /** The name the user chose to show; kept by this server, so it is available even when Passage is not. */
  displayName: Maybe<Scalars['String']['output']>;
  /** Email address (lower-cased by Passage); null when the user has none. */
  email: Maybe<Scalars['String']['output']>;
  /** True once the user has proven they own the email address. */
  emailVerified: Maybe<Scalars['Boolean']['output']>;
  /** The Passage user id. */
  id: Scalars['ID']['output'];
  /** The user's most recent sign-in; null when they never signed in. */
  lastLoginAt: Maybe<Scalars['DateTime']['output']>;
  /** How many times the user has signed in. */
  loginCount: Maybe<Scalars['Int']['output']>;
  /** Custom user metadata stored in Passage. */
  metadata: Maybe<Scalars['JSON']['output']>;
  /** Phone number in E.164 form; null when the user has none. */
  phone: Maybe<Scalars['String']['output']>;
  /** True once the user has proven they own the phone number. */
  phoneVerified: Maybe<Scalars['Boolean']['output']>;
  /** Whether the user may sign in. */
  status: Maybe<UserStatus>;
};

/** Whether a Passage user may sign in. */
export type UserStatus =
  /** The user may sign in. */
  | 'ACTIVE'
  /** Deactivated by an admin: the user may not sign in, and existing sessions are refused. */
  | 'INACTIVE'
  /** Created (for example by a magic link) but never completed a sign-in. */
  | 'PENDING';

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  App: ResolverTypeWrapper<AppParentModel>;
  AppRole: AppRole;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Device: ResolverTypeWrapper<DeviceParentModel>;
  DeviceType: DeviceType;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  UpdateMeInput: UpdateMeInput;
  User: ResolverTypeWrapper<UserParentModel>;
  UserStatus: UserStatus;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  App: AppParentModel;
  Boolean: Scalars['Boolean']['output'];
  DateTime: Scalars['DateTime']['output'];
  Device: DeviceParentModel;
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  JSON: Scalars['JSON']['output'];
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  String: Scalars['String']['output'];
  UpdateMeInput: UpdateMeInput;
  User: UserParentModel;
}>;

export type AuthenticatedDirectiveArgs = { };

export type AuthenticatedDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = AuthenticatedDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type PublicDirectiveArgs = { };

export type PublicDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = PublicDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type AppResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['App'] = ResolversParentTypes['App']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DeviceResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Device'] = ResolversParentTypes['Device']> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  friendlyName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastLoginAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['DeviceType'], ParentType, ContextType>;
  usageCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  updateMe?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationUpdateMeArgs, 'input'>>;
}>;

export type PageInfoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  app?: Resolver<ResolversTypes['App'], ParentType, ContextType>;
  me?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
}>;

export type UserResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = ResolversObject<{
  appRole?: Resolver<ResolversTypes['AppRole'], ParentType, ContextType>;
  createdAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  devices?: Resolver<Maybe<Array<ResolversTypes['Device']>>, ParentType, ContextType>;
  displayName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  emailVerified?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastLoginAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  loginCount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  metadata?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  phone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  phoneVerified?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  status?: Resolver<Maybe<ResolversTypes['UserStatus']>, ParentType, ContextType>;
}>;

export type Resolvers<ContextType = GraphQLContext> = ResolversObject<{
  App?: AppResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Device?: DeviceResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
}>;

export type DirectiveResolvers<ContextType = GraphQLContext> = ResolversObject<{
  authenticated?: AuthenticatedDirectiveResolver<any, any, ContextType>;
  public?: PublicDirectiveResolver<any, any, ContextType>;
}>;
