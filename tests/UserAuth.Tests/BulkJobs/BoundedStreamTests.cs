using UserAuth.Api.Features.BulkJobs;

namespace UserAuth.Tests.BulkJobs;

/// <summary>
/// The view of a running import's error file up to its checkpoint (<see cref="BoundedStream"/>): rows written after the
/// checkpoint are never served. A finished job's error file ends at its checkpoint, so the HTTP tests cannot tell.
/// </summary>
public sealed class BoundedStreamTests
{
    private static readonly byte[] Content = [.. Enumerable.Range(0, 100).Select(i => (byte)i)];

    [Fact]
    public async Task Reads_end_at_the_length_whatever_the_buffer_and_the_overload()
    {
        Assert.Equal(Content[..40], await ReadAllAsync(new BoundedStream(new MemoryStream(Content), 40), 7, async: true));
        Assert.Equal(Content[..40], await ReadAllAsync(new BoundedStream(new MemoryStream(Content), 40), 7, async: false));
        Assert.Equal(Content[..40], await ReadAllAsync(new BoundedStream(new MemoryStream(Content), 40), 64, async: true));
        Assert.Equal(Content[..40], await ReadAllAsync(new BoundedStream(new MemoryStream(Content), 40), 64, async: false));
        Assert.Empty(await ReadAllAsync(new BoundedStream(new MemoryStream(Content), 0), 16, async: true));

        var bytes = new byte[50];
        using var stream = new BoundedStream(new MemoryStream(Content), 30);
#pragma warning disable CA1835 // the byte[] overload is the one under test
        Assert.Equal(10, await stream.ReadAsync(bytes, 5, 10, TestContext.Current.CancellationToken));
#pragma warning restore CA1835
        Assert.Equal(20, stream.Read(bytes, 15, 35));
        Assert.Equal(0, stream.Read(bytes, 0, 50));
        Assert.Equal(Content[..30], bytes[5..35]);
        Assert.Equal(30, stream.Position);
    }

    [Fact]
    public void It_is_a_read_only_forward_only_stream_of_its_length_that_closes_the_inner_one()
    {
        var inner = new MemoryStream(Content);
        var stream = new BoundedStream(inner, 40);
        Assert.True(stream.CanRead);
        Assert.False(stream.CanSeek);
        Assert.False(stream.CanWrite);
        Assert.Equal(40, stream.Length);
        Assert.Equal(0, stream.Position);
        Assert.Throws<NotSupportedException>(() => stream.Position = 3);
        Assert.Throws<NotSupportedException>(() => stream.Seek(3, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => stream.SetLength(3));
        Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1));
        stream.Flush();
        stream.Dispose();
        Assert.False(inner.CanRead);
    }

    private static async Task<byte[]> ReadAllAsync(BoundedStream stream, int bufferSize, bool async)
    {
        using var output = new MemoryStream();
        var buffer = new byte[bufferSize];
        int read;
        while ((read = async ? await stream.ReadAsync(buffer.AsMemory(), TestContext.Current.CancellationToken) : stream.Read(buffer.AsSpan())) > 0)
        {
            output.Write(buffer, 0, read);
        }

        await stream.DisposeAsync();
        return output.ToArray();
    }
}
