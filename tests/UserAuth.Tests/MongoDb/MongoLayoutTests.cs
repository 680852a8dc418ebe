using UserAuth.Api.Storage.Mongo;

namespace UserAuth.Tests.MongoDb;

/// <summary>
/// The MongoDB layouts (shard keys, indexes) obey the sharding rules and match docs/MONGODB.md. No server needed: these
/// are the rules a sharded cluster would enforce at shardCollection/createIndexes time.
/// </summary>
public sealed class MongoLayoutTests
{
    public static TheoryData<string> Collections() => [.. MongoLayouts.All.Select(l => l.Collection)];

    private static MongoCollectionLayout Layout(string collection) => MongoLayouts.All.Single(l => l.Collection == collection);

    private static bool StartsWith(MongoDB.Bson.BsonDocument keys, MongoDB.Bson.BsonDocument prefix) =>
        keys.ElementCount >= prefix.ElementCount &&
        prefix.Names.Zip(keys.Names).All(pair => pair.First == pair.Second);

    [Theory]
    [MemberData(nameof(Collections))]
    public void A_sharded_collections_key_starts_with_the_application_then_the_company(string collection)
    {
        var layout = Layout(collection);
        Assert.False(string.IsNullOrWhiteSpace(layout.ShardKeyReason));
        if (layout.ShardKey is { } key)
        {
            Assert.Equal(["application_id", "company_id"], key.Names.Take(2));
        }
    }

    [Theory]
    [MemberData(nameof(Collections))]
    public void Every_unique_index_starts_with_the_shard_key(string collection)
    {
        var layout = Layout(collection);
        foreach (var index in layout.Indexes.Where(i => i.Unique && layout.ShardKey is not null))
        {
            Assert.True(StartsWith(index.Keys, layout.ShardKey!), $"{collection}.{index.Name} {index.Keys} does not start with {layout.ShardKey}");
        }
    }

    [Theory]
    [MemberData(nameof(Collections))]
    public void Every_index_starts_with_the_application_or_says_why_not(string collection)
    {
        foreach (var index in Layout(collection).Indexes)
        {
            Assert.True(index.Keys.Names.First() == "application_id" || !string.IsNullOrWhiteSpace(index.NoShardKeyPrefixBecause),
                $"{collection}.{index.Name} {index.Keys} neither starts with application_id nor says why");
        }
    }

    [Theory]
    [MemberData(nameof(Collections))]
    public void Index_names_are_unique_versioned_and_never_reuse_a_retired_name(string collection)
    {
        var layout = Layout(collection);
        var names = layout.Indexes.Select(i => i.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Empty(names.Intersect(layout.Retired));
        Assert.DoesNotContain("_id_", names);
    }

    [Fact]
    public void Docs_MONGODB_md_names_every_collection_shard_key_and_index()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "MONGODB.md"));
        foreach (var layout in MongoLayouts.All)
        {
            Assert.Contains($"`{layout.Collection}`", docs, StringComparison.Ordinal);
            if (layout.ShardKey is { } key)
            {
                Assert.Contains("`{" + string.Join(", ", key.Names.Select(n => $"{n}: 1")) + "}`", docs, StringComparison.Ordinal);
            }

            foreach (var index in layout.Indexes)
            {
                Assert.Contains($"`{index.Name}`", docs, StringComparison.Ordinal);
            }

            foreach (var retired in layout.Retired)
            {
                Assert.Contains($"`{retired}`", docs, StringComparison.Ordinal);
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "UserAuth.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (UserAuth.sln) is not above " + AppContext.BaseDirectory);
    }
}
