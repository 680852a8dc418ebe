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

/// <summary>
/// A valid page: page_no from 1 to <see cref="MaxPageNo"/>, page_size from 1 to <see cref="MaxSize"/> (more is refused,
/// not cut). Built from a <see cref="PagedQuery"/> that <see cref="PagedQueryValidator"/> passed; nothing here checks.
/// </summary>
public readonly record struct PageRequest(int PageNo, int PageSize)
{
    public const int DefaultSize = 10;
    public const int MaxSize = 100;
    public const int MaxPageNo = 100_000;

    public int Skip => (PageNo - 1) * PageSize;
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

    /// <summary>The page asked for (validated): page 1 and <see cref="PageRequest.DefaultSize"/> items unless given.</summary>
    public PageRequest Page() => new(PageNo ?? 1, PageSize ?? PageRequest.DefaultSize);
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
