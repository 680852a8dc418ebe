using UserAuth.Api.Hosting;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Features.Customers;

internal static class CustomersFeature
{
    public static WebApplicationBuilder AddUserAuthCustomers(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CustomerOptions>().BindConfiguration(CustomerOptions.Section)
            .Validate(o => PhoneNumbers.PhoneNumberUtil.GetInstance().GetSupportedRegions().Contains(o.DefaultPhoneRegion),
                "Customers:DefaultPhoneRegion must be an ISO region code such as IN or US.")
            .ValidateOnStart();
        builder.Services.AddSingleton<Identifiers>();
        builder.Services.AddSingleton<UserService>();
        builder.Services.AddSingleton<ListingBoundaries>();
        builder.Services.AddHostedService<MongoUserCountReconciler>();
        builder.AddStore<IUserStore, SqliteUserStore, MongoUserStore>();
        return builder;
    }
}
