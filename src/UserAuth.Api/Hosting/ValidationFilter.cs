using FluentValidation;
using Microsoft.AspNetCore.Mvc.Filters;
using UserAuth.Api.Common;

namespace UserAuth.Api.Hosting;

/// <summary>Runs the FluentValidation validator of every action argument before the action; all failures in one 400.</summary>
internal sealed class ValidationFilter(IServiceProvider services) : IAsyncActionFilter
{
    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        var failures = new List<FieldError>();
        foreach (var argument in context.ActionArguments.Values)
        {
            if (argument is null)
            {
                continue;
            }

            var validatorType = typeof(IValidator<>).MakeGenericType(argument.GetType());
            if (services.GetService(validatorType) is not IValidator validator)
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
