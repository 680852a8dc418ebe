using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace UserAuth.Api.Common;

/// <summary>The wire pagination object: <c>{type, current, size, item_total, has_next}</c>.</summary>
public sealed record PageInfo(string Type, int Current, int Size, long ItemTotal, bool HasNext)
{
    /// <summary>
    /// Present (true) only when <c>item_total</c> is a lower bound rather than the exact number: a broad text filter
    /// is counted up to a limit instead of walking every match. Absent when <c>item_total</c> is exact.
    /// </summary>
    public bool? ItemTotalBounded { get; init; }

    public static PageInfo For(PageRequest request, long total) =>
        new("number", request.PageNo, request.PageSize, total, (long)request.PageNo * request.PageSize < total);

    /// <summary>A page whose store said whether more rows follow and whether its total is exact.</summary>
    public static PageInfo For(PageRequest request, long total, bool totalBounded, bool hasNext) =>
        new("number", request.PageNo, request.PageSize, total, hasNext) { ItemTotalBounded = totalBounded ? true : null };
}

/// <summary>page_no starts at 1; page_size defaults to 10 and may be at most 100 (more is refused, not cut).</summary>
public readonly record struct PageRequest(int PageNo, int PageSize)
{
    public const int DefaultSize = 10;
    public const int MaxSize = 100;
    public const int MaxPageNo = 100_000;

    public int Skip => (PageNo - 1) * PageSize;

    public static PageRequest From(int? pageNo, int? pageSize)
    {
        var errors = new List<FieldError>();
        if (pageNo is < 1 or > MaxPageNo)
        {
            errors.Add(new FieldError("page_no", $"must be between 1 and {MaxPageNo}"));
        }

        if (pageSize is < 1 or > MaxSize)
        {
            errors.Add(new FieldError("page_size", $"must be between 1 and {MaxSize}"));
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        return new PageRequest(pageNo ?? 1, Math.Min(pageSize ?? DefaultSize, MaxSize));
    }
}

/// <summary>
/// <c>page_no</c> / <c>page_size</c> of a listing's query string. A feature's query record derives from it, and that
/// record's validator includes <see cref="PagedQueryValidator"/>; <see cref="Page"/> then needs no check.
/// </summary>
public abstract record PagedQuery
{
    [FromQuery(Name = "page_size")]
    public int? PageSize { get; init; }

    [FromQuery(Name = "page_no")]
    public int? PageNo { get; init; }

    /// <summary>The page asked for: page 1 and 10 items unless given; page_size capped at <see cref="PageRequest.MaxSize"/>.</summary>
    public PageRequest Page() => new(PageNo ?? 1, Math.Min(PageSize ?? PageRequest.DefaultSize, PageRequest.MaxSize));
}

public sealed class PagedQueryValidator : AbstractValidator<PagedQuery>
{
    public PagedQueryValidator()
    {
        RuleFor(x => x.PageNo).InclusiveBetween(1, PageRequest.MaxPageNo)
            .WithMessage($"must be between 1 and {PageRequest.MaxPageNo}");
        RuleFor(x => x.PageSize).InclusiveBetween(1, PageRequest.MaxSize)
            .WithMessage($"must be between 1 and {PageRequest.MaxSize}");
    }
}
