using System.Collections.Concurrent;
using FluentValidation;
using Microsoft.AspNetCore.Mvc.Filters;
using UserAuth.Api.Common;

namespace UserAuth.Api.Hosting;

/// <summary>Runs the FluentValidation validator of every action argument before the action; all failures in one 400.</summary>
internal sealed class ValidationFilter(IServiceProvider services) : IAsyncActionFilter
{
    /// <summary>The validator type of each argument type, or null when none is registered (found once per type).</summary>
    private static readonly ConcurrentDictionary<Type, Type?> ValidatorTypes = new();

    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        var failures = new List<FieldError>();
        foreach (var argument in context.ActionArguments.Values)
        {
            if (argument is null)
            {
                continue;
            }

            var validatorType = ValidatorTypes.GetOrAdd(argument.GetType(), type =>
            {
                var candidate = typeof(IValidator<>).MakeGenericType(type);
                return services.GetService<IServiceProviderIsService>()?.IsService(candidate) == false ? null : candidate;
            });
            if (validatorType is null || services.GetService(validatorType) is not IValidator validator)
            {
                continue;
            }

            var result = await validator.ValidateAsync(new ValidationContext<object>(argument), context.HttpContext.RequestAborted);
            failures.AddRange(result.Errors.Select(e => new FieldError(e.PropertyName, e.ErrorMessage)));
        }

        if (failures.Count > 0)
        {
            throw new ValidationFailedException(failures);
        }

        await next();
    }
}
