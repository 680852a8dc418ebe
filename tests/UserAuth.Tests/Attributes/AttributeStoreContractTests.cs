using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Attributes;

/// <summary>The <see cref="IAttributeStore"/> contract, run against every adapter.</summary>
public abstract class AttributeStoreContractTests(ApiFixture fixture)
{
    private static readonly DateTime Now = new(2031, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc);

    private IAttributeStore Store
    {
        get
        {
            fixture.RequireStore();
            return fixture.Services.GetRequiredService<IAttributeStore>();
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Tenant NewTenant() => new("1001", ApiFixture.NewApplicationId());

    private static AttributeDefinition Definition(Tenant tenant, string slug, string type = "string") => new()
    {
        Id = Ids.New(),
        CompanyId = tenant.CompanyId,
        ApplicationId = tenant.ApplicationId,
        Name = slug,
        Slug = slug,
        Type = type,
        CreatedBy = "tests",
        UpdatedBy = "tests",
        CreatedAt = Now,
        ModifiedAt = Now,
        Validations = [new AttributeValidation { Type = "max", Value = "10" }],
    };

    private static UserAttribute Value(Tenant tenant, AttributeDefinition definition, string userId, IEnumerable<string>? text = null,
        IEnumerable<double>? numbers = null) => new()
    {
        Id = Ids.New(),
        CompanyId = tenant.CompanyId,
        ApplicationId = tenant.ApplicationId,
        DefinitionId = definition.Id,
        UserId = userId,
        Type = definition.Type,
        Value = "\"x\"",
        TextTerms = (text ?? []).ToList(),
        NumberTerms = (numbers ?? []).ToList(),
        UpdatedBy = "tests",
        CreatedAt = Now,
        UpdatedAt = Now,
    };

    private async Task<List<string>> Find(Tenant tenant, bool all, params StoreCondition[] conditions) =>
        (await Store.FindUserIdsAsync(tenant, new StoreFilter(all, conditions), 0, 100, Ct)).UserIds.ToList();

    private static StoreCondition Text(AttributeDefinition d, TermMatch match, bool negated, params string[] operands) =>
        new(d.Id, TermKind.Text, match, negated, operands, []);

    private static StoreCondition Number(AttributeDefinition d, TermMatch match, params double[] operands) =>
        new(d.Id, TermKind.Number, match, false, [], operands);

    [Fact]
    public async Task Definitions_round_trip_and_replace_is_conditional_on_the_version()
    {
        var tenant = NewTenant();
        var definition = Definition(tenant, "tier");
        await Store.InsertDefinitionAsync(definition, Ct);

        var found = await Store.FindDefinitionAsync(tenant, definition.Id, Ct);
        Assert.NotNull(found);
        Assert.Equal("tier", found.Slug);
        Assert.Equal(Now, found.CreatedAt);
        Assert.Equal("10", Assert.Single(found.Validations).Value);
        Assert.Null(await Store.FindDefinitionAsync(NewTenant(), definition.Id, Ct));
        Assert.Equal(definition.Id, (await Store.FindDefinitionBySlugAsync(tenant, "tier", Ct))?.Id);

        found.Name = "Tier";
        found.Version = 1;
        Assert.True(await Store.ReplaceDefinitionAsync(found, 0, Ct));
        Assert.False(await Store.ReplaceDefinitionAsync(found, 0, Ct));
        Assert.Equal("Tier", (await Store.FindDefinitionAsync(tenant, definition.Id, Ct))!.Name);
    }

    [Fact]
    public async Task The_store_enforces_unique_slugs_per_application()
    {
        fixture.SkipOnEmulator("enforce unique indexes");
        var tenant = NewTenant();
        await Store.InsertDefinitionAsync(Definition(tenant, "tier"), Ct);
        await Assert.ThrowsAsync<DuplicateSlugException>(() => Store.InsertDefinitionAsync(Definition(tenant, "tier"), Ct));
        await Store.InsertDefinitionAsync(Definition(NewTenant(), "tier"), Ct);
    }

    [Fact]
    public async Task Upsert_keeps_id_and_created_at_and_replaces_the_terms()
    {
        var tenant = NewTenant();
        var definition = Definition(tenant, "tags");
        await Store.InsertDefinitionAsync(definition, Ct);
        var user = Ids.New();
        var first = (await Store.UpsertValuesAsync(tenant, [Value(tenant, definition, user, ["a", "b"])], Ct))[0];
        var again = Value(tenant, definition, user, ["c"]);
        again.CreatedAt = Now.AddDays(1);

        var second = (await Store.UpsertValuesAsync(tenant, [again], Ct))[0];

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(Now, second.CreatedAt);
        Assert.Empty(await Find(tenant, true, Text(definition, TermMatch.In, false, "a")));
        Assert.Equal([user], await Find(tenant, true, Text(definition, TermMatch.In, false, "c")));
        Assert.Equal(first.Id, (await Store.FindValueAsync(tenant, definition.Id, user, Ct))?.Id);
        Assert.Null(await Store.FindValueByIdAsync(NewTenant(), first.Id, Ct));
        Assert.True(await Store.HasValuesAsync(tenant, definition.Id, Ct));
    }

    [Fact]
    public async Task Every_term_match_and_join_on_both_stores()
    {
        var tenant = NewTenant();
        var name = Definition(tenant, "name");
        var age = Definition(tenant, "age", "number");
        await Store.InsertDefinitionAsync(name, Ct);
        await Store.InsertDefinitionAsync(age, Ct);
        var (a, b, c) = ("a" + Ids.New()[1..], "b" + Ids.New()[1..], "c" + Ids.New()[1..]);
        await Store.UpsertValuesAsync(tenant,
        [
            Value(tenant, name, a, ["alpha.beta"]), Value(tenant, age, a, numbers: [10]),
            Value(tenant, name, b, ["beta+gamma"]), Value(tenant, age, b, numbers: [20]),
            Value(tenant, name, c, ["gamma"]),
        ], Ct);

        Assert.Equal([a], await Find(tenant, true, Text(name, TermMatch.StartsWith, false, "alpha.")));
        Assert.Equal([b], await Find(tenant, true, Text(name, TermMatch.EndsWith, false, "+gamma")));
        Assert.Equal([a, b], await Find(tenant, true, Text(name, TermMatch.Contains, false, "beta")));
        Assert.Equal([c], await Find(tenant, true, Text(name, TermMatch.Contains, true, "beta")));
        Assert.Empty(await Find(tenant, true, Text(name, TermMatch.Contains, false, "a.b*")));
        Assert.Equal([a, c], await Find(tenant, true, Text(name, TermMatch.In, false, "alpha.beta", "gamma")));
        Assert.Equal([b], await Find(tenant, true, Text(name, TermMatch.In, true, "alpha.beta", "gamma")));
        Assert.Equal([b], await Find(tenant, true, Number(age, TermMatch.Gt, 10)));
        Assert.Equal([a, b], await Find(tenant, true, Number(age, TermMatch.Gte, 10)));
        Assert.Equal([a], await Find(tenant, true, Number(age, TermMatch.Lt, 20)));
        Assert.Equal([a, b], await Find(tenant, true, Number(age, TermMatch.Lte, 20)));
        Assert.Equal([b], await Find(tenant, true, Number(age, TermMatch.Between, 15, 25)));
        Assert.Equal([b], await Find(tenant, true, Number(age, TermMatch.Gt, 5), Text(name, TermMatch.Contains, false, "gamma")));
        Assert.Equal([a, b, c], await Find(tenant, false, Number(age, TermMatch.Gt, 5), Text(name, TermMatch.Contains, false, "gamma")));

        var page = await Store.FindUserIdsAsync(tenant, new StoreFilter(false, [Text(name, TermMatch.Contains, false, "a")]), 1, 1, Ct);
        Assert.Equal([b], page.UserIds);
        Assert.Equal(3, page.Total);
        var among = await Store.FindUserIdsAsync(tenant, new StoreFilter(true, [Text(name, TermMatch.Contains, false, "a")], [c]), 0, 10, Ct);
        Assert.Equal([c], among.UserIds);
        Assert.Empty(await Find(NewTenant(), true, Text(name, TermMatch.Contains, false, "a")));
    }

    [Fact]
    public async Task Hidden_values_never_match_and_deletes_cascade()
    {
        var tenant = NewTenant();
        var name = Definition(tenant, "name");
        await Store.InsertDefinitionAsync(name, Ct);
        var (a, b) = (Ids.New(), Ids.New());
        await Store.UpsertValuesAsync(tenant, [Value(tenant, name, a, ["x"]), Value(tenant, name, b, ["y"])], Ct);

        await Store.SetHiddenAsync(tenant, a, true, Ct);
        Assert.Empty(await Find(tenant, true, Text(name, TermMatch.In, false, "x")));
        Assert.Equal([b], await Find(tenant, true, Text(name, TermMatch.In, true, "z")));
        await Store.SetHiddenAsync(tenant, a, false, Ct);
        Assert.Equal([a], await Find(tenant, true, Text(name, TermMatch.In, false, "x")));

        Assert.Equal(1, await Store.DeleteValuesAsync(tenant, a, null, Ct));
        Assert.Equal(0, await Store.DeleteValuesAsync(tenant, a, null, Ct));
        Assert.True(await Store.DeleteDefinitionAsync(tenant, name.Id, Ct));
        Assert.False(await Store.HasValuesAsync(tenant, name.Id, Ct));
        Assert.False(await Store.DeleteDefinitionAsync(tenant, name.Id, Ct));
        Assert.Empty(await Find(tenant, true, Text(name, TermMatch.In, false, "y")));
    }

    [Fact]
    public async Task Ciphers_are_replaced_only_under_the_old_key()
    {
        var tenant = NewTenant();
        var secret = Definition(tenant, "secret");
        await Store.InsertDefinitionAsync(secret, Ct);
        var value = Value(tenant, secret, Ids.New());
        value.Value = null;
        value.Cipher = "c1";
        value.KeyId = "k1";
        var stored = (await Store.UpsertValuesAsync(tenant, [value], Ct))[0];

        Assert.Single(await Store.FindEncryptedNotUnderKeyAsync(tenant, "k2", 10, Ct));
        Assert.Empty(await Store.FindEncryptedNotUnderKeyAsync(tenant, "k1", 10, Ct));
        Assert.False(await Store.ReplaceCipherAsync(tenant, stored.Id, "k0", "c2", "k2", Ct));
        Assert.True(await Store.ReplaceCipherAsync(tenant, stored.Id, "k1", "c2", "k2", Ct));
        var read = await Store.FindValueByIdAsync(tenant, stored.Id, Ct);
        Assert.Equal(("c2", "k2"), (read!.Cipher, read.KeyId));
        Assert.Empty(await Store.FindEncryptedNotUnderKeyAsync(tenant, "k2", 10, Ct));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteAttributeStoreContractTests(SqliteStoreFixture fixture) : AttributeStoreContractTests(fixture), IClassFixture<SqliteStoreFixture>;

[Collection(MongoCollection.Name)]
public sealed class MongoAttributeStoreContractTests(MongoStoreFixture fixture) : AttributeStoreContractTests(fixture), IClassFixture<MongoStoreFixture>;
